#!/usr/bin/env node
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { registerEnqueue } from "./commands/enqueue";
import { registerImport } from "./commands/import";
import { registerKeys } from "./commands/keys";
import { registerMigrate } from "./commands/migrate";
import { registerPurge } from "./commands/purge";
import { registerScan } from "./commands/scan";
import { registerServe } from "./commands/serve";
import { registerShell } from "./commands/shell";
import { registerStats } from "./commands/stats";
import { registerUsers } from "./commands/users";
import { registerWork } from "./commands/work";
import { describeFailure, EXIT } from "./runtime";

/** The `dashql` program: a thin shell over the domain layer the server uses. */
export function buildProgram(): Command {
  const program = new Command()
    .name("dashql")
    .description("dashql: GraphQL API and operator commands for the results dashboard")
    .option("--database-url <url>", "PostgreSQL URL (default: DATABASE_URL, else the embedded PostgreSQL in DATA_DIR)")
    .option("--data-dir <dir>", "data directory of the embedded PostgreSQL (default: DATA_DIR or ./.data)")
    .option("--verbose", "log progress (info) on stderr; other commands than serve and work log only warnings unless LOG_LEVEL is set")
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerImport(program);
  registerEnqueue(program);
  registerScan(program);
  registerWork(program);
  registerPurge(program);
  registerStats(program);
  registerUsers(program);
  registerKeys(program);
  registerShell(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { message, exitCode } = describeFailure(error);
    console.error(`dashql: ${message}`);
    return exitCode;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
