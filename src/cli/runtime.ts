import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "../config/config";
import { createLogger, type Logger } from "../config/logger";
import { openDatabase, type Database } from "../db/data-source";
import { DomainError, isDatabaseUnavailable } from "../domain/shared/errors";

/** Options every command accepts (see main.ts). */
export interface GlobalOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** Log at info (progress of the database start, migrations) instead of warn. */
  verbose?: boolean;
}

export interface Runtime {
  config: Config;
  logger: Logger;
}

/** Exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 configuration, 4 database unavailable. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3, unavailable: 4 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/**
 * The same configuration as the server; flags override the environment. A
 * short command (`quiet`, all but serve and work) logs at warn unless
 * LOG_LEVEL or --verbose says otherwise: under cron, stderr then holds only
 * what needs reading.
 */
export function createRuntime(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env, { quiet = true } = {}): Runtime {
  const logLevel = env.LOG_LEVEL ?? (options.verbose ? "info" : quiet ? "warn" : undefined);
  const config = loadConfig({
    ...env,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    ...(logLevel ? { LOG_LEVEL: logLevel } : {}),
  });
  return { config, logger: createLogger(config, "dashql-cli") };
}

/**
 * Runs `fn` with an open, migrated database and always closes it (and stops the
 * embedded cluster if this command started it).
 */
export async function withDatabase<T>(runtime: Runtime, fn: (db: Database) => Promise<T>, options: { poolSize?: number } = {}): Promise<T> {
  const db = await openDatabase(runtime.config, runtime.logger, { migrate: true, applicationName: "dashql-cli", ...options });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** One line for the user, and the exit code that goes with the error. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT.config };
  if (error instanceof DomainError) {
    const exitCode = error.code === "BAD_USER_INPUT" || error.code === "NOT_FOUND" || error.code === "CONFLICT" ? EXIT.usage : EXIT.failure;
    return { message: `${error.code}: ${error.message}`, exitCode };
  }
  if (isDatabaseUnavailable(error)) {
    return { message: `cannot reach PostgreSQL: ${(error as Error).message}`, exitCode: EXIT.unavailable };
  }
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.failure };
}
