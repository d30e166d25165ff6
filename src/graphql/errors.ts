import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "../config/logger";
import { DomainError, isDatabaseUnavailable, isInvalidData, isStatementTimeout, isUniqueViolation, type DomainErrorCode } from "../domain/shared/errors";

/** Every code the contract lets a client see. */
export const CONTRACT_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "QUERY_TOO_COMPLEX",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_NOT_TRUSTED",
] as const;
export type ContractCode = (typeof CONTRACT_CODES)[number];

/** Domain codes map one to one; `satisfies` makes a new domain code a compile error until it is mapped here. */
const DOMAIN_TO_CONTRACT = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
} as const satisfies Record<DomainErrorCode, ContractCode>;

/**
 * Apollo's own client-error codes outside the contract (malformed HTTP requests,
 * an operationName that matches nothing, persisted queries where they are off)
 * are the client's input being wrong. PERSISTED_QUERY_NOT_FOUND is a contract code.
 */
const APOLLO_CLIENT_CODES = new Set(["BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE", "PERSISTED_QUERY_NOT_SUPPORTED"]);

/** HTTP status of a request that fails as a whole (in the context function) with this code. */
const HTTP_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const satisfies Partial<Record<ContractCode, number>>;

interface KnownError {
  message: string;
  code: ContractCode;
  extensions?: Record<string, unknown>;
  /** Set for database refusals the client can act on: logged as a warning with this text, not as a bug. */
  warning?: string;
}

/**
 * What a client may be told about an error dashql expects: the domain's own
 * errors, and the database's refusals and outages. Undefined for anything else
 * (a bug, or an error GraphQL itself raised).
 */
function classify(error: unknown): KnownError | undefined {
  if (error instanceof DomainError) return { message: error.message, code: DOMAIN_TO_CONTRACT[error.code], extensions: error.details };
  if (isUniqueViolation(error)) return { message: "the change conflicts with existing data", code: "CONFLICT" };
  if (isInvalidData(error)) {
    // Found by test/fuzz.test.ts: a NUL character in a filter string reached PostgreSQL and was a 500.
    return {
      message: "a value was refused by the database (for example a NUL character, or a number out of range)",
      code: "BAD_USER_INPUT",
      warning: "value refused by the database",
    };
  }
  if (isDatabaseUnavailable(error)) {
    return { message: "the database is unavailable; retry shortly", code: "SERVICE_UNAVAILABLE", warning: "database unavailable" };
  }
  if (isStatementTimeout(error)) {
    // Retryable from the client's side (the usual cause is a lock held by someone else or an overloaded server).
    return {
      message: "the database did not answer in time; retry shortly",
      code: "SERVICE_UNAVAILABLE",
      warning: "statement cancelled by statement_timeout",
    };
  }
  return undefined;
}

/**
 * Any error as the GraphQLError a client may see, for code outside Apollo's
 * formatError: the context function, the HTTP layer, the subscription layer.
 * Carries the contract code, the HTTP status of a request that fails as a whole
 * (`extensions.http`, which Apollo reads and removes) and the original error, so
 * formatError still logs an unexpected one with its stack. An unexpected error
 * gets a fixed message; formatError adds the request id.
 */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const known = classify(error);
  const code: ContractCode = known?.code ?? "INTERNAL_SERVER_ERROR";
  const status = (HTTP_STATUS as Partial<Record<ContractCode, number>>)[code] ?? 400;
  return new GraphQLError(known?.message ?? "internal error", {
    originalError: error instanceof Error ? error : undefined,
    extensions: { ...known?.extensions, code, http: { status } },
  });
}

/** @deprecated Use toGraphQLError; kept while the current HTTP server still imports it. */
export function domainErrorToGraphQL(error: DomainError): GraphQLError {
  return toGraphQLError(error);
}

/** Request ids of errors, for formatError: Apollo calls it without the request's context. */
const errorRequestIds = new WeakMap<object, string>();

/** Records the request `error` happened in (Apollo's didEncounterErrors hook, the context function). */
export function tagErrorRequestId(error: unknown, requestId: string | undefined): void {
  if (requestId !== undefined && typeof error === "object" && error !== null) errorRequestIds.set(error, requestId);
}

/** The request id of `error`, or of the error it wraps (Apollo wraps what a context function throws). */
export function requestIdOfError(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  return errorRequestIds.get(error) ?? requestIdOfError((error as { originalError?: unknown }).originalError);
}

export interface FormatErrorOptions {
  /** development: unexpected errors keep their message and stack for the developer. */
  exposeInternals: boolean;
  logger: Logger;
  /** The request id to log and quote for `error` (the error Apollo passes to formatError). */
  requestId?: (error: unknown) => string | undefined;
}

/**
 * The one place where errors become what clients see. Known errors keep their
 * message and get their contract code; anything else is logged with its stack
 * and answered with a fixed message and the request id (outside development).
 */
export function createFormatError(options: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

    const known = classify(original);
    if (known) {
      if (known.warning) options.logger.warn({ err: original, requestId: options.requestId?.(error) }, known.warning);
      return { ...base, message: known.message, extensions: { ...known.extensions, code: known.code } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && code !== "INTERNAL_SERVER_ERROR") {
      const mapped = (CONTRACT_CODES as readonly string[]).includes(code)
        ? code
        : APOLLO_CLIENT_CODES.has(code)
          ? "BAD_USER_INPUT"
          : undefined;
      if (mapped) {
        const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
        return { ...base, extensions: { ...(options.exposeInternals ? formatted.extensions : extensions), code: mapped } };
      }
    }
    const requestId = options.requestId?.(error);
    options.logger.error({ err: original, requestId, path: formatted.path }, "unexpected error");
    if (options.exposeInternals) {
      return { ...formatted, extensions: { ...formatted.extensions, code: "INTERNAL_SERVER_ERROR", requestId } };
    }
    return {
      message: `internal error; quote request id ${requestId ?? "unknown"} when reporting it`,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
    };
  };
}
