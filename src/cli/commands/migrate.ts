import type { Command } from "commander";
import { migrate, openDatabase } from "../../db/data-source";
import { createRuntime, type GlobalOptions } from "../runtime";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (the server and every command also do this at start)")
    .action(async (_options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const db = await openDatabase(runtime.config, runtime.logger, { migrate: false, applicationName: "dashql-cli" });
      try {
        const ran = await migrate(db.dataSource, runtime.logger);
        console.log(ran.length === 0 ? "database is up to date" : `applied ${ran.length} migration(s): ${ran.join(", ")}`);
      } finally {
        await db.close();
      }
    });
}
