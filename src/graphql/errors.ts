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

export function domainErrorToGraphQL(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.details, code: DOMAIN_TO_CONTRACT[error.code] } });
}

export interface FormatErrorOptions {
  /** development: unexpected errors keep their message and stack for the developer. */
  exposeInternals: boolean;
  logger: Logger;
  requestId?: () => string | undefined;
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

    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { ...original.details, code: DOMAIN_TO_CONTRACT[original.code] } };
    }
    if (isUniqueViolation(original)) {
      return { ...base, message: "the change conflicts with existing data", extensions: { code: "CONFLICT" } };
    }
    // Database refusals the client can act on: logged as warnings, not bug reports.
    const refused = (logMessage: string, message: string, code: "BAD_USER_INPUT" | "SERVICE_UNAVAILABLE"): GraphQLFormattedError => {
      options.logger.warn({ err: original, requestId: options.requestId?.() }, logMessage);
      return { ...base, message, extensions: { code } };
    };
    if (isInvalidData(original)) {
      // Found by test/fuzz.test.ts: a NUL character in a filter string reached PostgreSQL and was a 500.
      return refused(
        "value refused by the database",
        "a value was refused by the database (for example a NUL character, or a number out of range)",
        "BAD_USER_INPUT",
      );
    }
    if (isDatabaseUnavailable(original)) {
      return refused("database unavailable", "the database is unavailable; retry shortly", "SERVICE_UNAVAILABLE");
    }
    if (isStatementTimeout(original)) {
      // Retryable from the client's side (the usual cause is a lock held by someone else or an overloaded server).
      return refused("statement cancelled by statement_timeout", "the database did not answer in time; retry shortly", "SERVICE_UNAVAILABLE");
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
    const requestId = options.requestId?.();
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
