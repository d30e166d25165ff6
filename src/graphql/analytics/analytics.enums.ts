import { registerEnumType } from "type-graphql";

/** GraphQL enums of the analytics fields; their values are the domain's keys, passed through unchanged. */
export enum FinanceGroupByEnum {
  YEAR = "YEAR",
  BUSINESS_TYPE = "BUSINESS_TYPE",
  COMPANY = "COMPANY",
}
registerEnumType(FinanceGroupByEnum, { name: "FinanceGroupBy" });

export enum RunGroupByEnum {
  STATUS = "STATUS",
  OWNER = "OWNER",
  SITE = "SITE",
  HOST = "HOST",
  RUN_TAG = "RUN_TAG",
}
registerEnumType(RunGroupByEnum, { name: "RunGroupBy" });

export enum TimeBucketEnum {
  HOUR = "HOUR",
  DAY = "DAY",
  WEEK = "WEEK",
  MONTH = "MONTH",
}
registerEnumType(TimeBucketEnum, {
  name: "TimeBucket",
  description: "Time buckets over a run's createdAt, cut in the time zone asked for.",
  valuesConfig: { WEEK: { description: "ISO weeks, starting on Monday." } },
});

export enum FileGroupByEnum {
  HOST = "HOST",
  FILE_TYPE = "FILE_TYPE",
  RUN_DIR = "RUN_DIR",
}
registerEnumType(FileGroupByEnum, { name: "FileGroupBy" });
