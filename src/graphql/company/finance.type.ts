import { Field, Float, ID, Int, ObjectType } from "type-graphql";

@ObjectType("Finance", { simpleResolvers: true })
export class FinanceType {
  @Field(() => ID)
  id: number;

  @Field(() => Int, { description: "Unique per company." })
  year: number;

  @Field(() => Float, { nullable: true })
  q1Earnings: number | null;

  @Field(() => Float, { nullable: true })
  q2Earnings: number | null;

  @Field(() => Float, { nullable: true })
  q3Earnings: number | null;

  @Field(() => Float, { nullable: true })
  q4Earnings: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Sum of the quarters that are not null; null when all four are null.",
  })
  totalEarnings: number | null;
}
