import { Field, ID, InputType, Int } from "type-graphql";
import { DateTime } from "../scalars";
import { QueueStatusEnum } from "../shared/enums";

@InputType("FinanceAggregateFilter")
export class FinanceAggregateFilter {
  @Field(() => Int, { nullable: true })
  fromYear?: number | null;

  @Field(() => Int, { nullable: true, description: "Included." })
  toYear?: number | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  businessType?: string | null;

  @Field(() => [ID], { nullable: true, description: "An empty list selects nothing." })
  companyIds?: string[] | null;
}

@InputType("RunAggregateFilter")
export class RunAggregateFilter {
  @Field(() => DateTime, { nullable: true, description: "createdAt at or after this time" })
  from?: Date | null;

  @Field(() => DateTime, { nullable: true, description: "createdAt before this time" })
  to?: Date | null;

  @Field(() => [QueueStatusEnum], { nullable: true })
  status?: QueueStatusEnum[] | null;

  @Field(() => String, { nullable: true })
  owner?: string | null;

  @Field(() => String, { nullable: true })
  site?: string | null;

  @Field(() => String, { nullable: true })
  host?: string | null;

  @Field(() => String, { nullable: true })
  runTag?: string | null;
}
