/**
 * The one place that reads process.env. Everything else takes a `Config`.
 *
 * Each variable is parsed and checked here; `loadConfig` collects every problem
 * before failing, so a bad deployment is fixed in one round instead of one
 * variable per restart.
 */
import { availableParallelism } from "node:os";
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
  /**
   * DATABASE_READ_URLS: streaming replicas of `databaseUrl`, comma-separated. Query
   * operations read from one of them per request; everything else uses the primary.
   */
  readonly databaseReadUrls: readonly string[];
  /** REPLICA_WAIT_MS: how long a read that sends back a write's position waits for a replica before reading from the primary. */
  readonly replicaWaitMs: number;
  /** REPLICA_MAX_LAG_MS: a replica further behind the primary than this is skipped until it catches up. */
  readonly replicaMaxLagMs: number;
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
  /**
   * SERVER_PROCESSES: HTTP server processes `dashql serve` runs on one port (node:cluster).
   * One Node process executes JavaScript on one core; GraphQL execution is CPU-bound, so a
   * production server uses every core by default ("auto"). Development and test run one.
   */
  readonly serverProcesses: number;
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
  /** METRICS: collect Prometheus metrics and serve them at /metrics (on by default; off only to measure what they cost). */
  readonly metrics: boolean;
  /**
   * METRICS_TOKEN: outside development /metrics answers only `Authorization: Bearer <this>`;
   * unset there, /metrics answers 404. In development /metrics is open.
   */
  readonly metricsToken: string | undefined;
  /** TRUSTED_DOCUMENTS: manifest files (`{"sha256:<hex>": "<query>"}`) trusted beside the dashboard's own. */
  readonly trustedDocuments: readonly string[];
  /** TRUSTED_DOCUMENTS_ONLY: refuse query text that is not a trusted document (OPERATION_NOT_TRUSTED), except for ADMIN keys. */
  readonly trustedDocumentsOnly: boolean;
  /** OpenTelemetry traces are on (the standard OTEL_* variables ask for them; see `tracingSettings`). */
  readonly tracing: boolean;
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

/**
 * Whether the OTEL_* variables ask for traces. The OpenTelemetry SDK reads its own
 * variables (endpoint, protocol, sampler...); dashql only decides whether to start
 * it: OTEL_TRACES_EXPORTER set to anything but `none`, or an OTLP endpoint given,
 * and OTEL_SDK_DISABLED not `true`. Read before anything else loads (src/telemetry/register.ts).
 */
export function tracingSettings(env: Record<string, string | undefined>): { enabled: boolean; defaultServiceName: string | undefined } {
  const value = (name: string) => env[name]?.trim() || undefined;
  const exporter = value("OTEL_TRACES_EXPORTER");
  const enabled =
    value("OTEL_SDK_DISABLED")?.toLowerCase() !== "true" &&
    (exporter !== undefined ? exporter !== "none" : Boolean(value("OTEL_EXPORTER_OTLP_ENDPOINT") ?? value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")));
  // OTEL_SERVICE_NAME wins when set; otherwise spans say `dashql`, not `unknown_service:node`.
  return { enabled, defaultServiceName: value("OTEL_SERVICE_NAME") ? undefined : "dashql" };
}

const NODE_ENVS: readonly NodeEnv[] = ["development", "production", "test"];
/** DB_POOL_SIZE when unset: connections per process (see serverProcessPoolSize for several server processes). */
export const DEFAULT_DB_POOL_SIZE = 10;

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
  const databaseReadUrls = (text("DATABASE_READ_URLS") ?? "").split(",").map((u) => u.trim()).filter((u) => u !== "");
  databaseReadUrls.forEach((readUrl, i) => {
    try {
      const url = new URL(readUrl);
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") problems.push(`DATABASE_READ_URLS entry ${i + 1} must start with postgres:// or postgresql://`);
    } catch {
      problems.push(`DATABASE_READ_URLS entry ${i + 1} is not a valid URL`);
    }
  });
  if (databaseReadUrls.length > 0 && databaseUrl === undefined) {
    problems.push("DATABASE_READ_URLS needs DATABASE_URL (the primary they replicate); the embedded PostgreSQL has no replicas");
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
    databaseReadUrls: Object.freeze(databaseReadUrls),
    replicaWaitMs: integer("REPLICA_WAIT_MS", 500, 0, 60_000),
    replicaMaxLagMs: integer("REPLICA_MAX_LAG_MS", 5_000, 100, 3_600_000),
    dataDir: path.resolve(text("DATA_DIR") ?? ".data"),
    adminToken,
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, nodeEnv === "test" ? "warn" : "info"),
    dbPoolSize: integer("DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE, 1, 1000),
    dbStatementTimeoutMs: integer("DB_STATEMENT_TIMEOUT_MS", 15_000, 0, 3_600_000),
    dbConnectTimeoutMs: integer("DB_CONNECT_TIMEOUT_MS", 5_000, 100, 600_000),
    maxBodyBytes: integer("MAX_BODY_BYTES", 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxConcurrentRequests: integer("MAX_CONCURRENT_REQUESTS", 512, 1, 100_000),
    maxSubscriptions: integer("MAX_SUBSCRIPTIONS", 10_000, 0, 1_000_000),
    subscriptionMaxBufferBytes: integer("SUBSCRIPTION_MAX_BUFFER_BYTES", 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs: integer("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    serverProcesses:
      text("SERVER_PROCESSES")?.toLowerCase() === "auto" || (text("SERVER_PROCESSES") === undefined && nodeEnv === "production")
        ? Math.max(1, Math.min(availableParallelism(), 32))
        : integer("SERVER_PROCESSES", 1, 1, 256),
    sqlStatementHeader: bool("SQL_STATEMENT_HEADER", nodeEnv !== "production"),
    workerDelayMs: integer("WORKER_DELAY_MS", 0, 0, 3_600_000),
    authCacheTtlMs: integer("AUTH_CACHE_TTL_MS", 60_000, 0, 3_600_000),
    authFallbackTtlMs: integer("AUTH_FALLBACK_TTL_MS", 1_000, 0, 60_000),
    authFlushIntervalMs: integer("AUTH_FLUSH_INTERVAL_MS", 10_000, 100, 3_600_000),
    metrics: bool("METRICS", true),
    metricsToken: text("METRICS_TOKEN"),
    trustedDocuments: (text("TRUSTED_DOCUMENTS") ?? "")
      .split(",")
      .map((file) => file.trim())
      .filter((file) => file !== "")
      .map((file) => path.resolve(file)),
    trustedDocumentsOnly: bool("TRUSTED_DOCUMENTS_ONLY", false),
    tracing: tracingSettings(env).enabled,
    ...overrides,
  };
  if (config.authCacheTtlMs < config.authFallbackTtlMs) {
    problems.push(`AUTH_CACHE_TTL_MS (${config.authCacheTtlMs}) must not be shorter than AUTH_FALLBACK_TTL_MS (${config.authFallbackTtlMs})`);
  }
  if (config.metricsToken !== undefined && config.metricsToken.length < 16) {
    problems.push("METRICS_TOKEN must be at least 16 characters");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
