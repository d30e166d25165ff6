import type { EntityManager } from "typeorm";
import { listCompanies } from "../company/company.service";
import { QUEUE_STATUSES, type QueueStatus } from "../queue/queue-item.entity";
import { fileAggregates } from "./file-aggregates";
import { financeAggregates } from "./finance-aggregates";
import { runAggregates } from "./run-aggregates";

export interface Overview {
  companies: number;
  /** Finance rows (company-years). */
  finances: number;
  files: number;
  /** Queue items per status, every status present. */
  queue: Record<QueueStatus, number>;
}

/** The counts `dashql stats` prints without arguments, from the same functions as the API (five statements, run in parallel). */
export async function overview(em: EntityManager): Promise<Overview> {
  const [companies, finances, files, runs] = await Promise.all([
    listCompanies(em, { first: 1 }).then((page) => page.totalCount()),
    financeAggregates(em, { groupBy: [] }),
    fileAggregates(em, { groupBy: [] }),
    runAggregates(em, { groupBy: ["STATUS"] }),
  ]);
  const queue = Object.fromEntries(QUEUE_STATUSES.map((s) => [s, 0])) as Record<QueueStatus, number>;
  for (const group of runs) if (group.status) queue[group.status] = group.runs;
  return { companies, finances: finances[0]?.count ?? 0, files: files[0]?.files ?? 0, queue };
}
