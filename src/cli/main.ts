#!/usr/bin/env node
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { registerMigrate } from "./commands/migrate";
import { registerServe } from "./commands/serve";
import { describeFailure, EXIT } from "./runtime";

/** The `dashql` program: a thin shell over the domain layer the server uses. */
export function buildProgram(): Command {
  const program = new Command()
    .name("dashql")
    .description("dashql: GraphQL API and operator commands for the results dashboard")
    .option("--database-url <url>", "PostgreSQL URL (default: DATABASE_URL, else the embedded PostgreSQL in DATA_DIR)")
    .option("--data-dir <dir>", "data directory of the embedded PostgreSQL (default: DATA_DIR or ./.data)")
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
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
