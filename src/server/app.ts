import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import { createDataSource, openDatabase, type Database } from "../db/data-source";
import { NotificationHub } from "../db/notification-hub";
import { ReplicaSet } from "../db/replicas";
import { ApiKeyAuthenticator } from "../domain/api-key/authenticator";
import { ensureAdminToken } from "../domain/api-key/provision";
import { listenForInvalidations } from "../domain/api-key/revocations";
import { ensureDemoKey, seedDemoCompanies } from "../domain/demo/demo.service";
import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "../graphql/context";
import { startHttpServer, type RunningServer } from "./http-server";
import { ServerMetrics, type PoolCounts } from "./metrics";
import { DASHBOARD_MANIFEST, TrustedDocuments } from "./trusted-documents";
import { LiveServer } from "./subscriptions";

export interface App {
  readonly server: RunningServer;
  readonly database: Database;
  readonly authenticator: ApiKeyAuthenticator;
  /** The read replicas (DATABASE_READ_URLS); `replicas.stats()` gives lag and reads per replica for metrics. */
  readonly replicas: ReplicaSet | undefined;
  /**
   * The process's one LISTEN connection: keeps `authenticator` told of revocations made
   * by any process, and feeds `live` the row changes (LISTEN/NOTIFY).
   */
  readonly listener: NotificationHub;
  /** GraphQL subscriptions over WebSocket on the server's port; `live.stats()` is for metrics. */
  readonly live: LiveServer;
  /** Development only: the demo user's key, printed at start and prefilled in GraphiQL. */
  readonly demoToken: string | undefined;
  /** Graceful stop: answer in-flight requests, stop the server, flush key usage, close the pool and the embedded cluster. */
  stop(): Promise<void>;
}

const DEMO_TOKEN_FILE = "demo-api-key";

/**
 * The demo key is kept in DATA_DIR (development only) so every start can print
 * a working key, although the database keeps only its hash.
 */
async function developmentDemo(config: Config, database: Database, logger: Logger): Promise<string> {
  const em = database.dataSource.manager;
  if (await seedDemoCompanies(em)) logger.info("demo companies loaded (Stark Industries, WayneCorp)");
  const file = path.join(config.dataDir, DEMO_TOKEN_FILE);
  const known = await readFile(file, "utf8").then((t) => t.trim(), () => undefined);
  const { token, created } = await ensureDemoKey(em, known);
  if (created) {
    // With DATABASE_URL nothing else creates DATA_DIR.
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, token + "\n", { mode: 0o600 });
  }
  return token;
}

/** Starts everything `dashql serve` runs: database (migrated), provisioning, HTTP server. */
export interface AppOptions {
  /** Extra Apollo plugins, run on every GraphQL request beside dashql's own. */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Tests only: how often the queue-items gauge may query (default 15 s). */
  queueMetricsRefreshMs?: number;
}

export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const database = await openDatabase(config, logger, { migrate: true, applicationName: "dashql-server" });
  let authenticator: ApiKeyAuthenticator | undefined;
  let listener: NotificationHub | undefined;
  let replicas: ReplicaSet | undefined;
  let live: LiveServer | undefined;
  try {
    if (config.adminToken) {
      await ensureAdminToken(database.dataSource.manager, config.adminToken);
      logger.info("ADMIN_TOKEN key is in place");
    }
    const demoToken = config.nodeEnv === "development" ? await developmentDemo(config, database, logger) : undefined;
    authenticator = new ApiKeyAuthenticator(database.dataSource, {
      cacheTtlMs: config.authCacheTtlMs,
      fallbackTtlMs: config.authFallbackTtlMs,
      flushIntervalMs: config.authFlushIntervalMs,
    });
    const auth = authenticator;
    // One connection for every channel, whoever listens: handlers are registered here and in
    // the LiveServer's constructor, then it is started once, before the HTTP server.
    listener = new NotificationHub({
      connectionString: database.url,
      logger,
      lostMeans: "key cache falls back to the short TTL, live subscriptions are closed",
    });
    listenForInvalidations(listener, {
      logger,
      onInvalidate: (invalidation) => {
        auth.invalidate(invalidation);
        live?.invalidated(invalidation);
      },
    });
    listener.onListening((listening) => auth.setListening(listening));
    const metrics = config.metrics ? new ServerMetrics({ config, logger, dataSource: database.dataSource, queueRefreshMs: options.queueMetricsRefreshMs }) : undefined;
    if (metrics) authenticator.onCacheLookup = metrics.onApiKeyLookup;
    const trustedDocuments = await TrustedDocuments.load([DASHBOARD_MANIFEST, ...config.trustedDocuments], {
      trustedOnly: config.trustedDocumentsOnly,
      optional: [DASHBOARD_MANIFEST],
      logger,
    });
    if (config.databaseReadUrls.length > 0) {
      replicas = new ReplicaSet({
        primary: database.dataSource,
        urls: config.databaseReadUrls,
        createDataSource: (url) => createDataSource(url, config, logger, { applicationName: "dashql-server-read", readOnly: true }),
        maxLagMs: config.replicaMaxLagMs,
        waitMs: config.replicaWaitMs,
        logger,
      });
      await replicas.start();
      if (metrics) {
        const set = replicas;
        metrics.addReplicas(() => set.stats());
        for (const { name, dataSource } of set.pools()) {
          metrics.addPool(name, () => (dataSource.isInitialized ? (dataSource.driver as unknown as { master?: PoolCounts }).master : undefined));
        }
      }
    }
    const readReplicas = replicas;
    const notifications = listener;
    live = new LiveServer({
      config,
      logger,
      dataSource: database.dataSource,
      listener: notifications,
      authenticator,
      metrics: metrics?.subscriptionMetrics(),
      trustedDocuments,
    });
    const liveServer = live;
    // Never throws: if LISTEN cannot be set up the key cache keeps the short TTL, live
    // connections are refused with 1013, and the connection is retried in the background.
    await notifications.start();
    const server = await startHttpServer({
      config,
      logger,
      dataSource: database.dataSource,
      authenticator,
      demoToken,
      plugins: [liveServer.plugin(), ...(options.plugins ?? [])],
      metrics,
      trustedDocuments,
      replicas,
    });
    await liveServer.start(server.http);
    let stopping: Promise<void> | undefined;
    return {
      server,
      database,
      authenticator,
      replicas,
      listener: notifications,
      live: liveServer,
      demoToken,
      stop: () =>
        (stopping ??= (async () => {
          // Apollo's drain runs the live server's drain, which syncs on the listener and detaches from it:
          // the listener is stopped only after that, and after the last HTTP request (the key cache needs it).
          await server.close();
          await readReplicas?.close();
          await notifications.stop();
          await auth.close();
          await database.close();
        })()),
    };
  } catch (error) {
    await replicas?.close();
    await live?.drain();
    await listener?.stop();
    await authenticator?.close();
    await database.close();
    throw error;
  }
}
