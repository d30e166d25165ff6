import type { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, FieldResolver, Info, Query, Resolver, Root } from "type-graphql";
import { fileAggregates, type FileAggregate } from "../../domain/analytics/file-aggregates";
import { financeAggregates, type FinanceAggregate } from "../../domain/analytics/finance-aggregates";
import { runAggregates, type RunAggregate } from "../../domain/analytics/run-aggregates";
import type { Company } from "../../domain/company/company.entity";
import type { QueueStatus } from "../../domain/queue/queue-item.entity";
import type { GraphQLContext } from "../context";
import { CompanyType } from "../company/company.type";
import { FileFilter } from "../file/file.inputs";
import { FileGroupByEnum, FinanceGroupByEnum, RunGroupByEnum, TimeBucketEnum } from "./analytics.enums";
import { FinanceAggregateFilter, RunAggregateFilter } from "./analytics.inputs";
import { requestedFields, requestedFigures } from "./requested-fields";
import { FileAggregateType, FinanceAggregateType, RunAggregateType } from "./analytics.type";

/** Grouped aggregates for the dashboard's charts: each field is one SQL statement (see src/domain/analytics). */
@Resolver(() => FinanceAggregateType)
export class AnalyticsResolver {
  @Authorized("READER")
  @Query(() => [FinanceAggregateType], { description: "Finance rows grouped by year, business type and/or company." })
  financeAggregates(
    @Arg("groupBy", () => [FinanceGroupByEnum]) groupBy: FinanceGroupByEnum[],
    @Arg("filter", () => FinanceAggregateFilter, { nullable: true }) filter: FinanceAggregateFilter | null,
    @Ctx() { em }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<FinanceAggregate[]> {
    return financeAggregates(em, { groupBy, filter, figures: requestedFigures(info) });
  }

  @Authorized("READER")
  @Query(() => [RunAggregateType], { description: 'timeZone: an IANA name ("Europe/Berlin"); an unknown one is BAD_USER_INPUT.' })
  runAggregates(
    @Arg("groupBy", () => [RunGroupByEnum], { defaultValue: [] }) groupBy: RunGroupByEnum[],
    @Arg("bucket", () => TimeBucketEnum, { nullable: true }) bucket: TimeBucketEnum | null,
    @Arg("timeZone", () => String, { nullable: true, defaultValue: "UTC" }) timeZone: string | null,
    @Arg("filter", () => RunAggregateFilter, { nullable: true }) filter: RunAggregateFilter | null,
    @Ctx() { em }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<RunAggregate[]> {
    const status = (filter?.status ?? null) as QueueStatus[] | null;
    return runAggregates(em, { groupBy, bucket, timeZone, filter: filter && { ...filter, status }, fields: requestedFields(info) });
  }

  @Authorized("READER")
  @Query(() => [FileAggregateType], { description: "Tracked files grouped by host, file type and/or run directory." })
  fileAggregates(
    @Arg("groupBy", () => [FileGroupByEnum]) groupBy: FileGroupByEnum[],
    @Arg("filter", () => FileFilter, { nullable: true }) filter: FileFilter | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<FileAggregate[]> {
    return fileAggregates(em, { groupBy, filter });
  }

  @FieldResolver(() => CompanyType, { nullable: true, description: "Set when grouped by COMPANY; loaded in one batch for all groups." })
  async company(@Root() group: FinanceAggregate, @Ctx() { loaders }: GraphQLContext): Promise<Company | null> {
    return group.companyId === null ? null : loaders.companyById.load(group.companyId);
  }
}
