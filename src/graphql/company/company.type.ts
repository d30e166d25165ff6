import { Field, ID, ObjectType } from "type-graphql";
import type { Page } from "../../domain/shared/pagination";
import type { Company } from "../../domain/company/company.entity";
import { DateTime } from "../scalars";
import { Connection } from "../shared/connection.type";

/**
 * Fields are read from the domain entity by name; `finances` is a field resolver.
 * simpleResolvers: graphql-js reads plain fields directly instead of through a
 * TypeGraphQL wrapper per field (no middleware or field-level auth is used on them).
 */
@ObjectType("Company", { simpleResolvers: true })
export class CompanyType {
  @Field(() => ID)
  id: number;

  @Field(() => String, { description: "Unique, case-insensitively." })
  name: string;

  @Field(() => String, { nullable: true })
  ceo: string | null;

  @Field(() => String, { nullable: true })
  businessType: string | null;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime)
  updatedAt: Date;
}

@ObjectType("CompanyConnection", { simpleResolvers: true })
export class CompanyConnection extends Connection(CompanyType, "Company") {
  static from(page: Page<Company>): CompanyConnection {
    return new CompanyConnection().fill(page);
  }
}
