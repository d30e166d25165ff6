import type { Command } from "commander";
import { purgeQueue } from "../../domain/queue/queue.service";
import { durationOption } from "../options";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

export function registerPurge(program: Command): void {
  program
    .command("purge")
    .description("delete QUEUED runs whose time to live is later than now + DURATION (purgeQueue); prints how many")
    .requiredOption("--ttl-beyond <duration>", "e.g. 10h: deletes QUEUED runs that would still be waiting 10 hours from now", durationOption(0))
    .action(async (options: { ttlBeyond: number }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const after = new Date(Date.now() + options.ttlBeyond);
      const count = await withDatabase(runtime, (db) => purgeQueue(db.dataSource.manager, after), { poolSize: 2 });
      console.log(`purged ${count} queued run${count === 1 ? "" : "s"} with a time to live after ${after.toISOString()}`);
    });
}
