import "reflect-metadata";
import { DataSource, type Logger as TypeOrmLogger, type QueryRunner } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import { ApiKey } from "../domain/api-key/api-key.entity";
import { Company } from "../domain/company/company.entity";
import { Finance } from "../domain/company/finance.entity";
import { TrackedFile } from "../domain/file/tracked-file.entity";
import { QueueItem } from "../domain/queue/queue-item.entity";
import { User } from "../domain/user/user.entity";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded";
import { InitialSchema1764000000000 } from "./migrations/1764000000000-initial-schema";
import { AnalyticsIndexes1796038000000 } from "./migrations/1796038000000-analytics-indexes";
import { AnalyticsRollups1796040000000 } from "./migrations/1796040000000-analytics-rollups";
import { ChangeNotifications1796041000000 } from "./migrations/1796041000000-change-notifications";
import { countStatement } from "./statement-counter";
import { useFastTimestamptz } from "./timestamptz";

useFastTimestamptz();

export const ENTITIES = [Company, Finance, User, ApiKey, TrackedFile, QueueItem];
export const MIGRATIONS = [InitialSchema1764000000000, AnalyticsIndexes1796038000000, AnalyticsRollups1796040000000, ChangeNotifications1796041000000];

/** Routes TypeORM's logging to pino and counts statements; SQL is logged at debug level only. */
class PinoTypeOrmLogger implements TypeOrmLogger {
  constructor(private readonly pino: Logger) {}
  logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    countStatement(queryRunner);
    if (this.pino.isLevelEnabled("trace")) this.pino.trace({ query, parameters }, "sql");
  }
  logQueryError(error: string | Error, query: string): void {
    this.pino.debug({ err: error, query }, "sql failed");
  }
  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ ms: time, query }, "slow sql");
  }
  logSchemaBuild(message: string): void {
    this.pino.debug(message);
  }
  logMigration(message: string): void {
    this.pino.info(message);
  }
  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level === "warn") this.pino.warn(String(message));
    else this.pino.debug(String(message));
  }
}

/** `readOnly`: a read replica (DATABASE_READ_URLS), where TypeORM must not try CREATE EXTENSION. */
export function createDataSource(url: string, config: Config, logger: Logger, overrides: { poolSize?: number; applicationName?: string; readOnly?: boolean } = {}): DataSource {
  return new DataSource({
    type: "postgres",
    url,
    installExtensions: !overrides.readOnly,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: "all",
    synchronize: false,
    logger: new PinoTypeOrmLogger(logger),
    maxQueryExecutionTime: 1000,
    poolSize: overrides.poolSize ?? config.dbPoolSize,
    applicationName: overrides.applicationName ?? "dashql",
    extra: {
      // Fail fast instead of queueing forever when the pool or the server is gone.
      connectionTimeoutMillis: config.dbConnectTimeoutMs,
      // A runaway query is cancelled by the server, not left holding a connection.
      statement_timeout: config.dbStatementTimeoutMs || undefined,
      idle_in_transaction_session_timeout: 60_000,
      keepAlive: true,
    },
  });
}

export interface Database {
  readonly dataSource: DataSource;
  /** The URL in use (embedded or DATABASE_URL); contains the password. */
  readonly url: string;
  readonly embedded: EmbeddedPostgresHandle | undefined;
  /** Closes the pool, then stops the embedded cluster if this process started it. */
  close(): Promise<void>;
}

/** Advisory lock key for migrations: any constant shared by all dashql processes. */
const MIGRATION_LOCK = 0x64617368; // "dash"

/**
 * Runs pending migrations under a session advisory lock, so several servers and
 * workers starting at once apply them exactly once; the others wait, then find
 * nothing pending.
 */
export async function migrate(dataSource: DataSource, logger: Logger): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const ran = await dataSource.runMigrations({ transaction: "all" });
    if (ran.length > 0) logger.info({ migrations: ran.map((m) => m.name) }, "migrations applied");
    return ran.map((m) => m.name);
  } finally {
    await runner.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

/** Resolves the database URL: DATABASE_URL, or the embedded cluster in DATA_DIR (attached or started). */
export async function resolveDatabaseUrl(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedPostgresHandle }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    onLog: (line) => logger.debug({ postgres: line }, "embedded postgres"),
  });
  logger.info(
    { port: embedded.port, dataDir: config.dataDir, started: embedded.owned },
    embedded.owned ? "embedded PostgreSQL started" : "attached to running embedded PostgreSQL",
  );
  return { url: embedded.url, embedded };
}

/** Opens the database (starting the embedded one if needed) and optionally runs pending migrations. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  options: { migrate?: boolean; poolSize?: number; applicationName?: string } = {},
): Promise<Database> {
  const { url, embedded } = await resolveDatabaseUrl(config, logger);
  const dataSource = createDataSource(url, config, logger, options);
  try {
    await dataSource.initialize();
    if (options.migrate) await migrate(dataSource, logger);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    dataSource,
    url,
    embedded,
    close: () =>
      (closed ??= (async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
        await embedded?.stop();
      })()),
  };
}
