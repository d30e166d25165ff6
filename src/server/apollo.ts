import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator } from "../domain/api-key/authenticator";
import { DomainError, isDatabaseUnavailable } from "../domain/shared/errors";
import { currentScope } from "../db/statement-counter";
import { contextFromAuthorization, type GraphQLContext } from "../graphql/context";
import { createFormatError, domainErrorToGraphQL } from "../graphql/errors";
import { PARSE_OPTIONS, queryLimitsPlugin } from "../graphql/limits";
import { buildDashqlSchema } from "../graphql/schema";
import { createCompiledExecutor, type CompiledExecutor } from "./compiled-executor";
import type { ReplicaSet } from "../db/replicas";
import { replicaRoutingPlugin, withReplicaFailover } from "./replica-routing";

export interface DashqlApolloDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
  /** Plugins beside dashql's own (drain, metrics, trusted documents, tests' counting plugin). */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Read replicas (DATABASE_READ_URLS): query operations read there, mutation responses carry X-Dashql-Lsn. */
  replicas?: ReplicaSet;
}

export interface DashqlApollo {
  readonly apollo: ApolloServer<GraphQLContext>;
  readonly executor: CompiledExecutor;
  /** The request context from an Authorization header: what every HTTP integration passes as Apollo's context function. */
  contextFor(authorization: string | undefined, requestId: string): Promise<GraphQLContext>;
}

/** Turns a failure to build the request context (a bad key, the database down) into a coded GraphQL error with its HTTP status. */
function contextFailure(error: unknown): unknown {
  // Apollo turns a non-GraphQLError thrown from the context function into a 500 "Context creation failed".
  if (error instanceof DomainError) {
    const status = error.code === "UNAUTHENTICATED" ? 401 : 400;
    const graphqlError = domainErrorToGraphQL(error);
    return new GraphQLError(graphqlError.message, { extensions: { ...graphqlError.extensions, http: { status } } });
  }
  if (isDatabaseUnavailable(error)) {
    return new GraphQLError("the database is unavailable; retry shortly", { extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } } });
  }
  return error;
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
  const formatError = createFormatError({ exposeInternals: development, logger, requestId: () => currentScope()?.requestId });
  const executor = createCompiledExecutor(schema, logger);
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: deps.replicas ? withReplicaFailover(executor.gateway, deps.replicas, dataSource) : executor.gateway,
    introspection: true,
    includeStacktraceInErrorResponses: development,
    // dashql's own shutdown drains requests first; Apollo must not stop on the signal itself.
    stopOnTerminationSignals: false,
    parseOptions: PARSE_OPTIONS,
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // The cache-control plugin wraps every field resolver to collect hints dashql never sets
      // (measured: ~10% of the CPU of a 100-company page); `cache-control: no-store` is set by the HTTP layer instead.
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin(schema),
      ...(deps.replicas ? [replicaRoutingPlugin(deps.replicas, dataSource, logger)] : []),
      ...(deps.plugins ?? []),
    ],
  });
  await apollo.start();
  const contextDeps = { dataSource, authenticator, logger };
  return {
    apollo,
    executor,
    contextFor: async (authorization, requestId) => {
      try {
        return await contextFromAuthorization(contextDeps, authorization, requestId);
      } catch (error) {
        throw contextFailure(error);
      }
    },
  };
}
