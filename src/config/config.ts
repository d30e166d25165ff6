/**
 * The one place that reads process.env. Everything else takes a `Config`.
 *
 * Each variable is parsed and checked here; `loadConfig` collects every problem
 * before failing, so a bad deployment is fixed in one round instead of one
 * variable per restart.
 */
import path from "node:path";

export type NodeEnv = "development" | "production" | "test";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  /** development: demo data, GraphiQL with a prefilled key, detailed errors. production: masked errors. */
  readonly nodeEnv: NodeEnv;
  /** HTTP port of the GraphQL server. */
  readonly port: number;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** A PostgreSQL URL; when absent an embedded PostgreSQL runs in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Where the embedded PostgreSQL keeps its cluster and where dev-only files live. */
  readonly dataDir: string;
  /** When set, an ADMIN whose API key is exactly this token is guaranteed at start. */
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  /** Connections in the pool of each process. */
  readonly dbPoolSize: number;
  /** Server-side statement_timeout for every pooled connection, in ms. */
  readonly dbStatementTimeoutMs: number;
  /** How long a request waits for a pooled connection before failing, in ms. */
  readonly dbConnectTimeoutMs: number;
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * GraphQL requests one process works on at once (MAX_CONCURRENT_REQUESTS); the next
   * one is answered at once with 503 SERVICE_UNAVAILABLE "server busy" and Retry-After.
   * Bounds memory (at most this many bodies of up to `maxBodyBytes`) and the queue in
   * front of the pool, so overload turns into fast, retryable errors instead of timeouts.
   */
  readonly maxConcurrentRequests: number;
  /** How long shutdown waits for in-flight requests before closing them, in ms. */
  readonly shutdownTimeoutMs: number;
  /** Add an `X-SQL-Statements` header to GraphQL responses (on by default outside production). */
  readonly sqlStatementHeader: boolean;
  /**
   * AUTH_CACHE_TTL_MS: how long a server reuses a found API key while its revocation
   * listener (LISTEN/NOTIFY) is connected. Revocations arrive by notification within
   * milliseconds, so this can be long; it saves a statement on nearly every request.
   */
  readonly authCacheTtlMs: number;
  /**
   * AUTH_FALLBACK_TTL_MS: how long a key lookup is reused while the listener is
   * disconnected (and for unknown keys always): the bound on how late a revocation
   * made by another process is seen when notifications cannot arrive.
   */
  readonly authFallbackTtlMs: number;
  /** AUTH_FLUSH_INTERVAL_MS: how often `lastUsedAt` of the keys used since is written, in one statement. */
  readonly authFlushIntervalMs: number;
  /**
   * Tests only (WORKER_DELAY_MS): `dashql work` waits this long inside each run before
   * finishing it, so a test can kill a worker mid-run deterministically. 0 in real use.
   */
  readonly workerDelayMs: number;
  /**
   * MAX_SUBSCRIPTIONS: live subscriptions (GraphQL over WebSocket) one server holds at
   * once, over all its connections; the next one is refused with SERVICE_UNAVAILABLE.
   */
  readonly maxSubscriptions: number;
  /**
   * SUBSCRIPTION_MAX_BUFFER_BYTES: bytes of events a WebSocket connection may have
   * waiting to be read; past it the client is a slow consumer and is closed (1013).
   */
  readonly subscriptionMaxBufferBytes: number;
}

const NODE_ENVS: readonly NodeEnv[] = ["development", "production", "test"];
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = text(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(", ")} (got "${value}")`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const value = text(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  };

  const nodeEnv = oneOf("NODE_ENV", NODE_ENVS, "development");
  const databaseUrl = text("DATABASE_URL");
  if (databaseUrl !== undefined) {
    try {
      const url = new URL(databaseUrl);
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got "${url.protocol}")`);
      }
    } catch {
      problems.push("DATABASE_URL is not a valid URL");
    }
  }
  const adminToken = text("ADMIN_TOKEN");
  if (adminToken !== undefined && adminToken.length < 24) {
    problems.push("ADMIN_TOKEN must be at least 24 characters");
  }

  const config: Config = {
    nodeEnv,
    port: integer("PORT", 4000, 0, 65535),
    host: text("HOST") ?? "0.0.0.0",
    databaseUrl,
    dataDir: path.resolve(text("DATA_DIR") ?? ".data"),
    adminToken,
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, nodeEnv === "test" ? "warn" : "info"),
    dbPoolSize: integer("DB_POOL_SIZE", 10, 1, 1000),
    dbStatementTimeoutMs: integer("DB_STATEMENT_TIMEOUT_MS", 15_000, 0, 3_600_000),
    dbConnectTimeoutMs: integer("DB_CONNECT_TIMEOUT_MS", 5_000, 100, 600_000),
    maxBodyBytes: integer("MAX_BODY_BYTES", 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxConcurrentRequests: integer("MAX_CONCURRENT_REQUESTS", 512, 1, 100_000),
    maxSubscriptions: integer("MAX_SUBSCRIPTIONS", 10_000, 0, 1_000_000),
    subscriptionMaxBufferBytes: integer("SUBSCRIPTION_MAX_BUFFER_BYTES", 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs: integer("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    sqlStatementHeader: bool("SQL_STATEMENT_HEADER", nodeEnv !== "production"),
    workerDelayMs: integer("WORKER_DELAY_MS", 0, 0, 3_600_000),
    authCacheTtlMs: integer("AUTH_CACHE_TTL_MS", 60_000, 0, 3_600_000),
    authFallbackTtlMs: integer("AUTH_FALLBACK_TTL_MS", 1_000, 0, 60_000),
    authFlushIntervalMs: integer("AUTH_FLUSH_INTERVAL_MS", 10_000, 100, 3_600_000),
    ...overrides,
  };
  if (config.authCacheTtlMs < config.authFallbackTtlMs) {
    problems.push(`AUTH_CACHE_TTL_MS (${config.authCacheTtlMs}) must not be shorter than AUTH_FALLBACK_TTL_MS (${config.authFallbackTtlMs})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
