import type { DataSource, EntityManager } from "typeorm";
import { scopedDataSource, type RequestScope } from "../db/statement-counter";
import type { ApiKeyAuthenticator, Principal } from "../domain/api-key/authenticator";
import { UnauthenticatedError } from "../domain/shared/errors";
import { createLoaders, type Loaders } from "../domain/loaders";
import type { User } from "../domain/user/user.entity";
import { toGraphQLError } from "./errors";

/** What every resolver gets: who asks, a request-scoped EntityManager, fresh loaders. */
export interface GraphQLContext {
  /** Undefined when the request carried no key (introspection still works; fields refuse). */
  user: User | undefined;
  em: EntityManager;
  loaders: Loaders;
  /** Told at once when this process revokes a key (revokeApiKey), so the key stops working on the next request. */
  authenticator: ApiKeyAuthenticator | undefined;
}

export interface ContextDeps {
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
}

/**
 * The context for an already authenticated principal (or none). With a scoped
 * view as `dataSource` (db/statement-counter), every statement the request runs
 * through `em` and `loaders` counts in its scope, which also carries the request id.
 */
export function createContext(
  deps: Pick<ContextDeps, "dataSource"> & { authenticator?: ApiKeyAuthenticator },
  principal: Principal | undefined,
): GraphQLContext {
  // The DataSource's manager (a scoped view's own): without a query runner it draws from
  // the pool per query; services that write open their own transaction on it.
  const em = deps.dataSource.manager;
  return { user: principal?.user, em, loaders: createLoaders(em), authenticator: deps.authenticator };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The per-request context from an Authorization header. A header that is present
 * but wrong (malformed, unknown or revoked key) fails the whole request with
 * UNAUTHENTICATED (HTTP 401); a database that cannot be reached, with
 * SERVICE_UNAVAILABLE (503); no header at all leaves `user` undefined. Failures
 * are thrown as GraphQLErrors (toGraphQLError): Apollo answers any other error
 * thrown by the context function with a bare 500.
 *
 * `scope`: the request's; its statements (the key lookup included) are counted there.
 */
export async function contextFromAuthorization(
  deps: ContextDeps,
  authorization: string | undefined,
  scope: RequestScope,
): Promise<GraphQLContext> {
  const dataSource = scopedDataSource(deps.dataSource, scope);
  let principal: Principal | undefined;
  if (authorization !== undefined && authorization !== "") {
    try {
      const token = BEARER.exec(authorization)?.[1];
      if (!token) throw new UnauthenticatedError("the Authorization header must be `Bearer <api key>`");
      principal = (await deps.authenticator.authenticate(token, dataSource)) ?? undefined;
      if (!principal) throw new UnauthenticatedError("the API key is unknown or revoked");
    } catch (error) {
      throw toGraphQLError(error);
    }
  }
  return createContext({ dataSource, authenticator: deps.authenticator }, principal);
}
