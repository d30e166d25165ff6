import type { DataSource, EntityManager } from "typeorm";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator, Principal } from "../domain/api-key/authenticator";
import { UnauthenticatedError } from "../domain/shared/errors";
import { createLoaders, type Loaders } from "../domain/loaders";
import type { User } from "../domain/user/user.entity";

/** What every resolver gets: who asks, a request-scoped EntityManager, fresh loaders. */
export interface GraphQLContext {
  /** Undefined when the request carried no key (introspection still works; fields refuse). */
  user: User | undefined;
  principal: Principal | undefined;
  em: EntityManager;
  loaders: Loaders;
  requestId: string;
  log: Logger;
  authenticator: ApiKeyAuthenticator | undefined;
}

export interface ContextDeps {
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
  logger: Logger;
}

/** Builds a context for an already known principal: the CLI and tests use it directly. */
export function createContext(
  deps: Pick<ContextDeps, "dataSource" | "logger"> & { authenticator?: ApiKeyAuthenticator },
  principal: Principal | undefined,
  requestId: string,
): GraphQLContext {
  // A fresh EntityManager without a query runner draws from the pool per query;
  // services that write open their own transaction on it.
  const em = deps.dataSource.createEntityManager();
  let log: Logger | undefined;
  return {
    user: principal?.user,
    principal,
    em,
    loaders: createLoaders(em),
    requestId,
    // Built on first use: a pino child per request was measurable on the hot path, and most requests log nothing.
    get log() {
      return (log ??= deps.logger.child({ requestId }));
    },
    authenticator: deps.authenticator,
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The per-request context from an Authorization header. A header that is present
 * but wrong (malformed, unknown or revoked key) fails the whole request with
 * UNAUTHENTICATED; no header at all leaves `user` undefined.
 */
export async function contextFromAuthorization(
  deps: ContextDeps,
  authorization: string | undefined,
  requestId: string,
): Promise<GraphQLContext> {
  let principal: Principal | undefined;
  if (authorization !== undefined && authorization !== "") {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new UnauthenticatedError("the Authorization header must be `Bearer <api key>`");
    principal = (await deps.authenticator.authenticate(token)) ?? undefined;
    if (!principal) throw new UnauthenticatedError("the API key is unknown or revoked");
  }
  return createContext(deps, principal, requestId);
}
