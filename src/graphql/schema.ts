import "reflect-metadata";
import type { GraphQLObjectType, GraphQLSchema } from "graphql";
import { buildSchema, type NonEmptyArray } from "type-graphql";
import { AnalyticsResolver } from "./analytics/analytics.resolver";
import { ApiKeyResolver } from "./api-key/api-key.resolver";
import { authChecker } from "./auth-checker";
import { CompanyResolver, FinanceResolver, loadedFinancesOf } from "./company/company.resolver";
import { FileResolver } from "./file/file.resolver";
import { QueueResolver } from "./queue/queue.resolver";
import { DateTime } from "./scalars";
import { NO_PUB_SUB } from "./subscription/no-pub-sub";
import { SubscriptionResolver } from "./subscription/subscription.resolver";
import { UserResolver } from "./user/user.resolver";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [CompanyResolver, FinanceResolver, UserResolver, ApiKeyResolver, FileResolver, QueueResolver, AnalyticsResolver, SubscriptionResolver];

let built: Promise<GraphQLSchema> | undefined;

/**
 * The executable schema. Built once per process: TypeGraphQL's metadata is
 * global, and building it again per test file would only cost time.
 */
export function buildDashqlSchema(): Promise<GraphQLSchema> {
  return (built ??= buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    // Input rules live in the domain services (the CLI needs them too), not in class-validator.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTime }],
    pubSub: NO_PUB_SUB,
  }).then(withSyncFinances));
}

/** Company.finances answers what its company's resolver already loaded without TypeGraphQL's promise (see loadedFinancesOf). */
function withSyncFinances(schema: GraphQLSchema): GraphQLSchema {
  const field = (schema.getType("Company") as GraphQLObjectType).getFields().finances;
  const viaTypeGraphql = field.resolve!;
  field.resolve = (company, args, context, info) => loadedFinancesOf(company, args) ?? viaTypeGraphql(company, args, context, info);
  return schema;
}
