import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType("TestSummary", {
  simpleResolvers: true,
  description: "Test-result counts parsed from the JUnit XML files found in the run directory.",
})
export class TestSummaryType {
  @Field(() => Int)
  tests: number;

  @Field(() => Int)
  failures: number;

  @Field(() => Int)
  errors: number;

  @Field(() => Int)
  skipped: number;

  @Field(() => Float)
  durationSeconds: number;
}
