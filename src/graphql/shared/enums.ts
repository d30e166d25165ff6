import { registerEnumType } from "type-graphql";

/**
 * GraphQL enums. Their values equal the strings the domain stores, so resolvers
 * pass them through unchanged.
 */
export enum RoleEnum {
  READER = "READER",
  WRITER = "WRITER",
  ADMIN = "ADMIN",
}
registerEnumType(RoleEnum, { name: "Role", description: "READER reads; WRITER also changes data; ADMIN also manages users and keys." });

export enum CompanyOrderByEnum {
  NAME_ASC = "NAME_ASC",
  NAME_DESC = "NAME_DESC",
  CREATED_AT_DESC = "CREATED_AT_DESC",
}
registerEnumType(CompanyOrderByEnum, { name: "CompanyOrderBy" });

export enum QueueStatusEnum {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
}
registerEnumType(QueueStatusEnum, { name: "QueueStatus" });
