import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServerPlugin } from "@apollo/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration } from "prom-client";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ReplicaStats } from "../db/replicas";
import { scopeOf } from "../db/statement-counter";
import type { GraphQLContext } from "../graphql/context";

/**
 * Prometheus metrics (prom-client): one registry per process, few labels, all of
 * them bounded. Operation names are the only label a client chooses, so they are
 * capped (MAX_OPERATION_NAMES); codes come from the contract's closed list and
 * statuses from HTTP's.
 */

/** Distinct operation names kept as label values; later names count as `other`. */
export const MAX_OPERATION_NAMES = 200;
/** The queue gauge runs one GROUP BY on queue_item at most this often, however often Prometheus scrapes. */
export const QUEUE_REFRESH_MS = 15_000;

const QUEUE_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;

/** Operation names as label values: `anonymous` when unnamed, `other` past the first MAX_OPERATION_NAMES. */
export class BoundedNames {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_OPERATION_NAMES) {}

  label(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(name);
    return name;
  }
}

/**
 * A counter for the request path: adding is one Map update, and prom-client's
 * Counter (which hashes and validates the labels on every inc) gets the totals
 * when /metrics is read. Label values are bounded by its callers.
 */
export class Tally<L extends string> {
  private readonly totals = new Map<string, { labels: Record<L, string>; n: number }>();

  constructor(config: Omit<CounterConfiguration<L>, "collect">) {
    const totals = this.totals;
    new Counter<L>({
      ...config,
      collect() {
        this.reset();
        for (const { labels, n } of totals.values()) this.inc(labels as never, n);
      },
    });
  }

  add(labels: Record<L, string>, n = 1): void {
    let key = "";
    for (const name in labels) key += labels[name] + "\u0000";
    const entry = this.totals.get(key);
    if (entry) entry.n += n;
    else this.totals.set(key, { labels: { ...labels }, n });
  }
}

/** Marks a Fastify request that reached the /graphql handler (Apollo counted it). */
const REACHED_APOLLO = Symbol("reachedApollo");

/** The metrics every dashql process has: Node's default process metrics in a registry of its own. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** What a request refused before Apollo (by Fastify or the overload cap) is counted as, by HTTP status. */
function codeOfStatus(status: number): string {
  if (status === 503) return "SERVICE_UNAVAILABLE";
  if (status >= 500) return "INTERNAL_SERVER_ERROR";
  if (status === 404) return "NOT_FOUND";
  return "BAD_USER_INPUT";
}

function errorCode(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** What a pg.Pool tells about itself. */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface ServerMetricsOptions {
  config: Pick<Config, "nodeEnv" | "metricsToken">;
  logger: Logger;
  dataSource: DataSource;
  /** How often the queue gauge may query the database (QUEUE_REFRESH_MS; tests shorten it). */
  queueRefreshMs?: number;
}

/** Subscription metrics, registered by the subscriptions transport (see `subscriptionMetrics`). */
export interface SubscriptionMetrics {
  /** Subscriptions open now, by operation name (bounded like the GraphQL request metrics). */
  active: Gauge<"operation_name">;
  /** Events sent to subscribers, by operation name. */
  events: Counter<"operation_name">;
}

/** The server's metrics: an Apollo plugin for GraphQL requests, Fastify hooks for HTTP, and /metrics. */
export class ServerMetrics {
  readonly registry = createRegistry();
  readonly names = new BoundedNames();
  readonly graphqlRequests = new Tally({
    name: "dashql_graphql_requests_total",
    help: "GraphQL requests by operation type, operation name and result code (OK, or the contract code of the first error)",
    labelNames: ["operation_type", "operation_name", "code"] as const,
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: "dashql_graphql_request_duration_seconds",
    help: "Time from Apollo receiving a GraphQL request to its response, by operation type and name",
    labelNames: ["operation_type", "operation_name"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly sqlStatements = new Histogram({
    name: "dashql_graphql_sql_statements",
    help: "SQL statements issued per GraphQL request",
    buckets: [0, 1, 2, 3, 5, 8, 13, 21, 50, 100],
    registers: [this.registry],
  });
  readonly httpResponses = new Tally({
    name: "dashql_http_responses_total",
    help: "HTTP responses by status code, every route",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly overloadRefusals = new Counter({
    name: "dashql_http_requests_refused_overload_total",
    help: "GraphQL requests refused with 503 because MAX_CONCURRENT_REQUESTS were in flight",
    registers: [this.registry],
  });
  readonly apiKeyCache = new Tally({
    name: "dashql_api_key_cache_lookups_total",
    help: "API-key lookups by the authenticator: answered from its cache (hit) or from the database (miss)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private subscriptions: SubscriptionMetrics | undefined;
  private readonly pools: [string, () => PoolCounts | undefined][] = [];

  constructor(private readonly options: ServerMetricsOptions) {
    const { dataSource, logger } = options;
    // TypeORM's PostgreSQL driver keeps its pg.Pool as driver.master, and read replicas' pools as driver.slaves.
    const driver = () => dataSource.driver as unknown as { master?: PoolCounts; slaves?: PoolCounts[] };
    this.addPool("primary", () => driver().master);
    const pools = this.pools;
    new Gauge({
      name: "dashql_db_pool_connections",
      help: "Database pool connections by pool: total open, idle, and requests waiting for one",
      labelNames: ["pool", "state"] as const,
      registers: [this.registry],
      collect() {
        const all = [...pools, ...(driver().slaves ?? []).map((p, i) => [`replica-${i + 1}`, () => p] as const)];
        for (const [name, get] of all) {
          const p = get();
          if (!p) continue;
          this.set({ pool: name, state: "total" }, p.totalCount);
          this.set({ pool: name, state: "idle" }, p.idleCount);
          this.set({ pool: name, state: "waiting" }, p.waitingCount);
        }
      },
    });

    const refreshMs = options.queueRefreshMs ?? QUEUE_REFRESH_MS;
    let refreshedAt = -Infinity;
    let refreshing: Promise<void> | undefined;
    const queue = new Gauge({
      name: "dashql_queue_items",
      help: `Queue items by status (one query, refreshed at most every ${refreshMs / 1000} s)`,
      labelNames: ["status"] as const,
      registers: [this.registry],
      async collect() {
        if (performance.now() - refreshedAt < refreshMs || !dataSource.isInitialized) return;
        refreshing ??= (async () => {
          try {
            const rows: { status: string; n: number }[] = await dataSource.query(`SELECT status, count(*)::int AS n FROM queue_item GROUP BY status`);
            const counts = new Map(rows.map((r) => [r.status, r.n]));
            for (const status of QUEUE_STATUSES) queue.set({ status }, counts.get(status) ?? 0);
          } catch (error) {
            // A scrape must not fail because the database is down: the gauge keeps its last values.
            logger.warn({ err: error }, "metrics: could not count queue items");
          } finally {
            refreshedAt = performance.now();
            refreshing = undefined;
          }
        })();
        await refreshing;
      },
    });
  }

  /**
   * Adds a pg pool to `dashql_db_pool_connections{pool=name}`: for pools outside TypeORM's
   * DataSource (e.g. read replicas opened separately). TypeORM replication slaves are included already.
   */
  addPool(name: string, pool: () => PoolCounts | undefined): void {
    this.pools.push([name, pool]);
  }

  /**
   * Read replicas (DATABASE_READ_URLS): each one's lag and the reads it served, and
   * the reads sent to the primary instead, by reason; read from `stats` at scrape time.
   */
  addReplicas(stats: () => ReplicaStats): void {
    new Gauge({
      name: "dashql_replica_lag_seconds",
      help: "How far each read replica was behind the primary at its last check (NaN while unknown)",
      labelNames: ["replica", "state"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of stats().replicas) this.set({ replica: r.name, state: r.state }, r.lagMs === null ? NaN : r.lagMs / 1000);
      },
    });
    new Counter({
      name: "dashql_replica_reads_total",
      help: "Query operations served by each read replica",
      labelNames: ["replica"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of stats().replicas) this.inc({ replica: r.name }, r.reads);
      },
    });
    new Counter({
      name: "dashql_replica_primary_reads_total",
      help: "Query operations read from the primary although replicas are configured, by reason",
      labelNames: ["reason"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(stats().primaryReads)) this.inc({ reason }, n);
      },
    });
  }

  /** Called by the authenticator on every key lookup. */
  readonly onApiKeyLookup = (hit: boolean): void => {
    this.apiKeyCache.add({ result: hit ? "hit" : "miss" });
  };

  /** Called when a GraphQL request is refused at MAX_CONCURRENT_REQUESTS (before Apollo). */
  overloadRefused(): void {
    this.overloadRefusals.inc();
  }

  /**
   * The gauges of subscriptions (active subscriptions, events sent), created on
   * first call: the WebSocket transport calls this once and updates them.
   */
  subscriptionMetrics(): SubscriptionMetrics {
    return (this.subscriptions ??= {
      active: new Gauge({
        name: "dashql_subscriptions_active",
        help: "GraphQL subscriptions open now, by operation name",
        labelNames: ["operation_name"] as const,
        registers: [this.registry],
      }),
      events: new Counter({
        name: "dashql_subscription_events_total",
        help: "Events sent to subscribers, by operation name",
        labelNames: ["operation_name"] as const,
        registers: [this.registry],
      }),
    });
  }

  /**
   * The Apollo plugin: every request Apollo sees is counted once, by its
   * operation and the code it was answered with (formatted errors, so contract
   * codes), including those refused while the context was built (a bad key).
   */
  plugin(): ApolloServerPlugin<GraphQLContext> {
    const metrics = this;
    return {
      async contextCreationDidFail({ error }) {
        metrics.graphqlRequests.add({ operation_type: "unknown", operation_name: "unknown", code: errorCode(error) });
      },
      // One hook per request (the operation is known by willSendResponse): each hook Apollo calls costs promises.
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ response, operation, operationName, contextValue }) {
            const type = operation ? operation.operation : "unknown";
            const name = operation ? metrics.names.label(operationName) : "unknown";
            const errors = response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors;
            const code = errors && errors.length > 0 ? errorCode(errors[0]) : "OK";
            metrics.graphqlRequests.add({ operation_type: type, operation_name: name, code });
            metrics.graphqlDuration.observe({ operation_type: type, operation_name: name }, (performance.now() - started) / 1000);
            const scope = scopeOf(contextValue.em);
            if (scope) metrics.sqlStatements.observe(scope.statements);
          },
        };
      },
    };
  }

  /**
   * Fastify hooks (register before the routes): HTTP responses by status, and
   * GraphQL requests refused before Apollo (body too large, not JSON, wrong
   * content type, overload): those never reach the /graphql handler, so they are
   * counted here with the code their error body carries.
   */
  instrument(fastify: FastifyInstance): void {
    // A callback-style hook: an async hook costs a promise per request on the hot path.
    fastify.addHook("onResponse", (request, reply, done) => {
      this.httpResponses.add({ status: String(reply.statusCode) });
      if (request.routeOptions.url === "/graphql" && !(request as { [REACHED_APOLLO]?: true })[REACHED_APOLLO]) {
        this.graphqlRequests.add({ operation_type: "unknown", operation_name: "unknown", code: codeOfStatus(reply.statusCode) });
      }
      done();
    });
  }

  /** Called by the /graphql handler: the request reached Apollo, whose plugin counts it. */
  reachedApollo(request: FastifyRequest): void {
    (request as { [REACHED_APOLLO]?: true })[REACHED_APOLLO] = true;
  }

  /** GET /metrics on the server's port (see `metricsAccess` for who may read it). */
  route(fastify: FastifyInstance): void {
    fastify.get("/metrics", async (request, reply) => serveMetrics(this.registry, this.options.config, request.headers.authorization, reply));
  }
}

type Access = "open" | "allowed" | "denied" | "hidden";

/**
 * Who may read /metrics: anyone in development; elsewhere only a request with
 * `Authorization: Bearer <METRICS_TOKEN>`, and nobody (404, as if there were no
 * such path) when METRICS_TOKEN is unset.
 */
export function metricsAccess(config: Pick<Config, "nodeEnv" | "metricsToken">, authorization: string | undefined): Access {
  if (config.nodeEnv === "development") return "open";
  if (!config.metricsToken) return "hidden";
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? "";
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(config.metricsToken)) ? "allowed" : "denied";
}

const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

async function serveMetrics(registry: Registry, config: Pick<Config, "nodeEnv" | "metricsToken">, authorization: string | undefined, reply: FastifyReply) {
  const access = metricsAccess(config, authorization);
  if (access === "hidden") return reply.code(404).type("application/json").send(errorBody("NOT_FOUND", "no route /metrics; GraphQL is at /graphql"));
  if (access === "denied") {
    return reply.code(401).header("www-authenticate", "Bearer").type("application/json").send(errorBody("UNAUTHENTICATED", "/metrics needs `Authorization: Bearer <METRICS_TOKEN>`"));
  }
  return reply.header("cache-control", "no-store").type(registry.contentType).send(await registry.metrics());
}

/**
 * A metrics-only HTTP server (GET /metrics) for processes without an HTTP
 * server of their own: `dashql work --metrics-port N`. Same access rule as the
 * server's /metrics.
 */
export async function startMetricsServer(
  registry: Registry,
  options: { port: number; host: string; config: Pick<Config, "nodeEnv" | "metricsToken"> },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
        res.writeHead(404, { "content-type": "application/json" }).end(errorBody("NOT_FOUND", "only GET /metrics is served here"));
        return;
      }
      const access = metricsAccess(options.config, req.headers.authorization);
      if (access === "hidden") return void res.writeHead(404, { "content-type": "application/json" }).end(errorBody("NOT_FOUND", "no route /metrics"));
      if (access === "denied") {
        return void res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" }).end(errorBody("UNAUTHENTICATED", "/metrics needs `Authorization: Bearer <METRICS_TOKEN>`"));
      }
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" }).end(body);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
