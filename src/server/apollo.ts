import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator } from "../domain/api-key/authenticator";
import { scopeOf, type RequestScope } from "../db/statement-counter";
import { contextFromAuthorization, type GraphQLContext } from "../graphql/context";
import { createFormatError, requestIdOfError, tagErrorRequestId } from "../graphql/errors";
import { PARSE_OPTIONS, queryLimitsPlugin } from "../graphql/limits";
import { buildDashqlSchema } from "../graphql/schema";
import { operationSpanPlugin } from "../telemetry/operation-span";
import { createCompiledExecutor, type CompiledExecutor } from "./compiled-executor";
import type { ServerMetrics } from "./metrics";
import type { TrustedDocuments } from "./trusted-documents";
import type { ReplicaSet } from "../db/replicas";
import { replicaRoutingPlugin, withReplicaFailover } from "./replica-routing";

export interface DashqlApolloDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
  /** Plugins beside dashql's own (the HTTP server's drain, tests' counting plugin). */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Prometheus metrics: its plugin counts every operation by type, name and code. */
  metrics?: ServerMetrics;
  /** Trusted documents: its plugin answers `documentId` requests and refuses untrusted text in trusted-only mode. */
  trustedDocuments?: TrustedDocuments;
  /** Read replicas (DATABASE_READ_URLS): query operations read there, mutation responses carry X-Dashql-Lsn. */
  replicas?: ReplicaSet;
}

export interface DashqlApollo {
  readonly apollo: ApolloServer<GraphQLContext>;
  readonly executor: CompiledExecutor;
  /**
   * The request context from an Authorization header: what every HTTP integration passes as Apollo's
   * context function. `scope`: the request's (its id, and where its SQL statements are counted).
   */
  contextFor(authorization: string | undefined, scope: RequestScope): Promise<GraphQLContext>;
}

/**
 * dashql's one GraphQL pipeline, independent of the web framework: Apollo Server
 * with the compiled executor, the query limits, the error formatting and any
 * extra plugins. The HTTP server mounts it through Apollo's Fastify integration;
 * bench/integrations.mjs mounts the same object on Express 5 to compare the two.
 */
export async function startDashqlApollo(deps: DashqlApolloDeps): Promise<DashqlApollo> {
  const { config, logger, dataSource, authenticator } = deps;
  const schema = await buildDashqlSchema();
  const development = config.nodeEnv === "development";
  const formatError = createFormatError({ exposeInternals: development, logger, requestId: requestIdOfError });
  const executor = createCompiledExecutor(schema, logger);
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: deps.replicas ? withReplicaFailover(executor.gateway, deps.replicas, dataSource) : executor.gateway,
    introspection: true,
    includeStacktraceInErrorResponses: development,
    // dashql's own shutdown drains requests first; Apollo must not stop on the signal itself.
    stopOnTerminationSignals: false,
    parseOptions: PARSE_OPTIONS,
    // Trusted-only: automatic persisted queries find trusted documents only and never store what a client sends.
    persistedQueries: deps.trustedDocuments?.trustedOnly ? { cache: deps.trustedDocuments.readOnlyApqCache(), ttl: null } : undefined,
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // The cache-control plugin wraps every field resolver to collect hints dashql never sets
      // (measured: ~10% of the CPU of a 100-company page); `cache-control: no-store` is set by the HTTP layer instead.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin,
      queryLimitsPlugin(schema),
      ...(deps.replicas ? [replicaRoutingPlugin(deps.replicas, dataSource, logger)] : []),
      ...(deps.plugins ?? []),
      ...(deps.metrics ? [deps.metrics.plugin()] : []),
      ...(deps.trustedDocuments ? [deps.trustedDocuments.plugin(executor)] : []),
      ...(config.tracing ? [operationSpanPlugin()] : []),
    ],
  });
  await apollo.start();
  const contextDeps = { dataSource, authenticator };
  return {
    apollo,
    executor,
    // contextFromAuthorization throws coded GraphQL errors (401, 503) through toGraphQLError: Apollo would
    // answer anything else thrown here as a 500 "Context creation failed".
    contextFor: (authorization, scope) => contextFromAuthorization(contextDeps, authorization, scope),
  };
}

/**
 * Gives every error of a request its request id, for formatError (which Apollo
 * calls without the context, always after didEncounterErrors with the same errors):
 * an unexpected error is logged and answered with the id to quote.
 */
const requestIdListener: GraphQLRequestListener<GraphQLContext> = {
  async didEncounterErrors({ errors, contextValue }) {
    const requestId = scopeOf(contextValue.em)?.requestId;
    for (const error of errors) tagErrorRequestId(error, requestId);
  },
};
const requestIdPlugin: ApolloServerPlugin<GraphQLContext> = {
  requestDidStart: async () => requestIdListener,
};
