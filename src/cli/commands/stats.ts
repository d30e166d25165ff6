import type { Command } from "commander";
import { Company } from "../../domain/company/company.entity";
import { Finance } from "../../domain/company/finance.entity";
import { TrackedFile } from "../../domain/file/tracked-file.entity";
import { QUEUE_STATUSES, QueueItem, type QueueStatus } from "../../domain/queue/queue-item.entity";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

export function registerStats(program: Command): void {
  program
    .command("stats")
    .description("count companies, finance rows, tracked files and queue items by status")
    .option("--json", "print one JSON object instead of a table")
    .action(async (options: { json?: boolean }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const stats = await withDatabase(
        runtime,
        async (db) => {
          const em = db.dataSource.manager;
          const [companies, finances, files, byStatus] = await Promise.all([
            em.count(Company),
            em.count(Finance),
            em.count(TrackedFile),
            em
              .getRepository(QueueItem)
              .createQueryBuilder("q")
              .select("q.status", "status")
              .addSelect("count(*)", "count")
              .groupBy("q.status")
              .getRawMany<{ status: QueueStatus; count: string }>(),
          ]);
          const queue = Object.fromEntries(QUEUE_STATUSES.map((s) => [s, 0])) as Record<QueueStatus, number>;
          // count(*) is bigint: pg hands it over as a string.
          for (const row of byStatus) queue[row.status] = Number(row.count);
          return { companies, finances, files, queue };
        },
        { poolSize: 4 },
      );
      if (options.json) {
        console.log(JSON.stringify(stats));
        return;
      }
      const queueTotal = Object.values(stats.queue).reduce((a, b) => a + b, 0);
      const rows: [string, number][] = [
        ["companies", stats.companies],
        ["finances", stats.finances],
        ["files", stats.files],
        ["queue items", queueTotal],
        ...QUEUE_STATUSES.map((s): [string, number] => [`  ${s}`, stats.queue[s]]),
      ];
      const width = Math.max(...rows.map(([, v]) => v.toLocaleString("en-US").length));
      for (const [label, value] of rows) console.log(`${label.padEnd(12)} ${value.toLocaleString("en-US").padStart(width)}`);
    });
}
