import type { ApolloServerOptionsWithGateway, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { DataSource } from "typeorm";
import type { Logger } from "../config/logger";
import { currentWalLsn, parseLsn, type ReplicaSet } from "../db/replicas";
import { scopeOf, scopedDataSource } from "../db/statement-counter";
import { createLoaders } from "../domain/loaders";
import { isDatabaseUnavailable } from "../domain/shared/errors";
import type { GraphQLContext } from "../graphql/context";

/** Request and response header carrying a primary WAL position (`16/B374D848`). */
export const LSN_HEADER = "x-dashql-lsn";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];

/**
 * SQLSTATEs a hot standby raises when it cancels a read that conflicts with WAL it must replay
 * ("canceling statement due to conflict with recovery"): the replica is well, the read just has to go elsewhere.
 */
const RECOVERY_CONFLICT = new Set(["40001", "40P01"]);

function isRecoveryConflict(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === "string" && RECOVERY_CONFLICT.has(code);
}

/** Requests whose context was moved to a replica, and which one (its DataSource). */
const routed = new WeakMap<object, DataSource>();

/** `dataSource` as seen by the request of `context`: its statements count in the request's scope. */
function inScopeOf(context: GraphQLContext, dataSource: DataSource): DataSource {
  const scope = scopeOf(context.em);
  return scope ? scopedDataSource(dataSource, scope) : dataSource;
}

/** Points the request's `em` and `loaders` at `dataSource`. Loaders are rebuilt: they hold the EntityManager they batch on. */
function readFrom(context: GraphQLContext, dataSource: DataSource): void {
  context.em = inScopeOf(context, dataSource).manager;
  context.loaders = createLoaders(context.em);
}

/**
 * Sends query operations to a read replica and gives mutation responses the
 * primary's WAL position.
 *
 * Apollo builds the context (with the primary's EntityManager, which
 * authentication and mutations use) before it knows the operation type, so the
 * choice is made here, once the operation is resolved and before it executes:
 * a query's `em` and `loaders` are swapped for a replica's. Mutations keep the
 * primary for their reads too, so a service that reads then writes never sees
 * a replica's older rows.
 */
export function replicaRoutingPlugin(replicas: ReplicaSet, primary: DataSource, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue }) {
          if (operation?.operation !== "query") return;
          const header = request.http?.headers.get(LSN_HEADER);
          let minLsn: bigint | undefined;
          if (header) {
            minLsn = parseLsn(header);
            if (minLsn === undefined) {
              throw new GraphQLError(`${LSN_HEADER} must be a WAL position as sent by a mutation's response, e.g. 0/16B3748`, {
                extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
              });
            }
          }
          const route = await replicas.route(minLsn);
          if (route.replica === undefined) return;
          readFrom(contextValue, route.dataSource);
          routed.set(contextValue, route.dataSource);
        },
        async willSendResponse({ operation, response, contextValue }) {
          if (operation?.operation !== "mutation") return;
          try {
            // After the mutation's transactions committed: a replica that has replayed this position has its writes.
            response.http.headers.set(LSN_HEADER, await currentWalLsn(inScopeOf(contextValue, primary)));
          } catch (error) {
            // Without the header the client's next read may be stale, never wrong; the primary being down shows elsewhere.
            logger.warn({ err: error }, "could not read the primary's WAL position");
          }
        },
      };
    },
  };
}

/**
 * Wraps the executor so that a query whose replica failed under it (stopped,
 * restarted, connection cut) runs again on the primary within the same request:
 * clients see no error while the health check has not yet noticed. Only
 * queries are re-run, and only when the failure was the replica's
 * availability (the replica is then skipped until a check finds it well) or a
 * recovery conflict (the replica stays in use).
 */
export function withReplicaFailover(gateway: Gateway, replicas: ReplicaSet, primary: DataSource): Gateway {
  return {
    async load(options) {
      const loaded = await gateway.load(options);
      const execute = loaded.executor;
      if (!execute) return loaded;
      return {
        ...loaded,
        executor: async (requestContext) => {
          const result = await execute(requestContext);
          const replica = routed.get(requestContext.context);
          if (!replica) return result;
          const failure = result.errors?.find((e) => isDatabaseUnavailable(e.originalError ?? e))?.originalError;
          const conflict = failure ? undefined : result.errors?.find((e) => isRecoveryConflict(e.originalError));
          if (!failure && !conflict) return result;
          routed.delete(requestContext.context);
          if (failure) replicas.markFailed(replica, failure);
          replicas.countFailover();
          readFrom(requestContext.context as GraphQLContext, primary);
          return execute(requestContext);
        },
      };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}
