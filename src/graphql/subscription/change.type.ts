import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import type { Company } from "../../domain/company/company.entity";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import { CompanyType } from "../company/company.type";
import { QueueItemType } from "../queue/queue-item.type";
import { DateTime } from "../scalars";

export enum ChangeKindEnum {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  DELETED = "DELETED",
}
registerEnumType(ChangeKindEnum, { name: "ChangeKind" });

/** Fields are read from the domain's QueueItemChange by name. */
@ObjectType("QueueItemChange", { simpleResolvers: true })
export class QueueItemChangeType {
  @Field(() => ChangeKindEnum)
  kind: ChangeKindEnum;

  @Field(() => ID)
  id: number;

  @Field(() => QueueItemType, { nullable: true, description: "The item after the change; null when it was DELETED (purged)." })
  item: QueueItem | null;

  @Field(() => DateTime, { description: "When the change was made (its statement's time)." })
  at: Date;
}

@ObjectType("CompanyChange", { simpleResolvers: true })
export class CompanyChangeType {
  @Field(() => ChangeKindEnum)
  kind: ChangeKindEnum;

  @Field(() => ID)
  id: number;

  @Field(() => CompanyType, { nullable: true, description: "The company after the change, finances included; null when it was DELETED." })
  company: Company | null;

  @Field(() => DateTime)
  at: Date;
}

@ObjectType("FilesRegistered", {
  simpleResolvers: true,
  description: "One batch of files registered (registerFiles, dashql scan, a worker processing a run).",
})
export class FilesRegisteredType {
  @Field(() => String)
  host: string;

  @Field(() => String)
  runDir: string;

  @Field(() => Int)
  created: number;

  @Field(() => Int)
  updated: number;

  @Field(() => DateTime)
  at: Date;
}
