import { Field, Float, Int, ObjectType } from "type-graphql";
import { DateTime, SafeInt } from "../scalars";
import { QueueStatusEnum } from "../shared/enums";

@ObjectType("QuarterFigures", {
  simpleResolvers: true,
  description:
    "Sum, average, minimum or maximum of each quarter and of the yearly total over a group of finance rows. Null quarters are left out; a figure is null when all its values are null.",
})
export class QuarterFiguresType {
  @Field(() => Float, { nullable: true })
  q1: number | null;

  @Field(() => Float, { nullable: true })
  q2: number | null;

  @Field(() => Float, { nullable: true })
  q3: number | null;

  @Field(() => Float, { nullable: true })
  q4: number | null;

  @Field(() => Float, { nullable: true, description: "Of the yearly totals (each the sum of its non-null quarters)." })
  total: number | null;
}

@ObjectType("FinanceAggregate")
export class FinanceAggregateType {
  @Field(() => Int, { nullable: true, description: "Set when grouped by YEAR." })
  year: number | null;

  @Field(() => String, { nullable: true, description: "Set when grouped by BUSINESS_TYPE (null too for companies without one)." })
  businessType: string | null;

  // `company` is a field resolver (AnalyticsResolver's FinanceAggregate part), loaded in one batch.
  @Field(() => Int, { description: "Finance rows in the group." })
  count: number;

  @Field(() => Int, { description: "Distinct companies in the group." })
  companies: number;

  @Field(() => QuarterFiguresType)
  sum: QuarterFiguresType;

  @Field(() => QuarterFiguresType)
  avg: QuarterFiguresType;

  @Field(() => QuarterFiguresType)
  min: QuarterFiguresType;

  @Field(() => QuarterFiguresType)
  max: QuarterFiguresType;
}

@ObjectType("RunAggregate", { simpleResolvers: true })
export class RunAggregateType {
  @Field(() => DateTime, { nullable: true, description: "Start of the time bucket, when a bucket was asked for." })
  bucket: Date | null;

  @Field(() => QueueStatusEnum, { nullable: true })
  status: QueueStatusEnum | null;

  @Field(() => String, { nullable: true })
  owner: string | null;

  @Field(() => String, { nullable: true })
  site: string | null;

  @Field(() => String, { nullable: true })
  host: string | null;

  @Field(() => String, { nullable: true })
  runTag: string | null;

  @Field(() => Int)
  runs: number;

  @Field(() => Int, { description: "Runs with a test summary." })
  summarized: number;

  @Field(() => SafeInt)
  tests: number;

  @Field(() => SafeInt)
  failures: number;

  @Field(() => SafeInt)
  errors: number;

  @Field(() => SafeInt)
  skipped: number;

  @Field(() => Float, { nullable: true, description: "(tests - failures - errors - skipped) / (tests - skipped); null when that divisor is 0." })
  passRate: number | null;

  @Field(() => Float, { description: "Sum of the summaries' durationSeconds." })
  testSeconds: number;

  @Field(() => Float, { nullable: true, description: "Mean of finishedAt - startedAt over the finished runs, in seconds; null when none finished." })
  avgRunSeconds: number | null;

  @Field(() => Float, { nullable: true, description: "95th percentile of the same (continuous, interpolated)." })
  p95RunSeconds: number | null;
}

@ObjectType("FileAggregate", { simpleResolvers: true })
export class FileAggregateType {
  @Field(() => String, { nullable: true })
  host: string | null;

  @Field(() => String, { nullable: true })
  fileType: string | null;

  @Field(() => String, { nullable: true })
  runDir: string | null;

  @Field(() => SafeInt)
  files: number;

  @Field(() => SafeInt)
  bytes: number;

  @Field(() => DateTime, { description: "createdAt of the newest file in the group." })
  newest: Date;
}
