/**
 * Errors the domain layer throws on purpose. Each carries one of the contract's
 * error codes; `src/graphql/errors.ts` turns them into GraphQL errors and the CLI
 * prints them as one line. No GraphQL import here, so the CLI shares them.
 */
export type DomainErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "SERVICE_UNAVAILABLE";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra machine-readable detail for clients, e.g. `{ field: "name" }`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string, field?: string, details: Record<string, unknown> = {}) {
    super("BAD_USER_INPUT", message, field === undefined ? details : { field, ...details });
    this.name = "InvalidInputError";
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string | number) {
    super("NOT_FOUND", `${what} ${id} does not exist`, { id: String(id) });
    this.name = "NotFoundError";
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("CONFLICT", message, details);
    this.name = "ConflictError";
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = "your role does not allow this") {
    super("FORBIDDEN", message);
    this.name = "ForbiddenError";
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = "a valid API key is required: send `Authorization: Bearer <key>`") {
    super("UNAUTHENTICATED", message);
    this.name = "UnauthenticatedError";
  }
}

/** PostgreSQL SQLSTATEs that dashql maps to contract codes. */
const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";
const CONNECTION_CLASS = "08";
const UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300"]);
/** query_canceled: raised by statement_timeout (and by an explicit pg_cancel_backend). */
const QUERY_CANCELED = "57014";
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

function driverCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for a PostgreSQL unique violation, wrapped by TypeORM or not. */
export function isUniqueViolation(error: unknown): boolean {
  return driverCode(error) === UNIQUE_VIOLATION;
}

/** True for a PostgreSQL foreign key violation, wrapped by TypeORM or not. */
export function isForeignKeyViolation(error: unknown): boolean {
  return driverCode(error) === FOREIGN_KEY_VIOLATION;
}

/**
 * True for a PostgreSQL data exception (SQLSTATE class 22): a value the database
 * cannot take, such as a NUL character in text (22021) or a number out of range
 * (22003). These come from client input that passed GraphQL's type checks.
 */
export function isInvalidData(error: unknown): boolean {
  const code = driverCode(error);
  return code !== undefined && /^22[0-9A-Z]{3}$/.test(code);
}

/** True when the database cannot be reached or refuses work (down, restarting, out of connections). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = driverCode(error);
  if (code && (NETWORK_CODES.has(code) || UNAVAILABLE.has(code) || code.startsWith(CONNECTION_CLASS))) return true;
  // TypeORM releases a query runner when its connection emits an error (PostgreSQL went away
  // mid-transaction); the COMMIT or ROLLBACK that follows then fails with this. Seen in
  // test/db-faults.test.ts when PostgreSQL stops under write load: the transaction never committed.
  if ((error as { name?: unknown } | undefined)?.name === "QueryRunnerAlreadyReleasedError") return true;
  const message = error instanceof Error ? error.message : "";
  // node-postgres's own errors carry no code: a pool wait that timed out, a socket cut mid-query,
  // and a pooled client whose connection broke while it was checked out (reused before it is discarded).
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|Client was closed and is not queryable/i.test(
    message,
  );
}

/** True when PostgreSQL cancelled a statement, normally because it ran past DB_STATEMENT_TIMEOUT_MS. */
export function isStatementTimeout(error: unknown): boolean {
  return driverCode(error) === QUERY_CANCELED;
}
