import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { entityRows } from "../shared/entity-rows";
import { preparedQuery } from "../shared/prepared-query";
import { QueueItem } from "./queue-item.entity";

/** Queue items by id, one `id = ANY($1)` prepared statement per batch, mapped without hydration; null for an id that does not exist. */
export function createQueueItemByIdLoader(em: EntityManager): DataLoader<number, QueueItem | null> {
  return new DataLoader<number, QueueItem | null>(async (ids) => {
    const item = entityRows(em, QueueItem, "q");
    const rows = await preparedQuery<Record<string, unknown>>(em, "queue_items_by_ids", `SELECT ${item.select} FROM queue_item q WHERE q.id = ANY($1::int[])`, [
      [...ids],
    ]);
    const byId = new Map(rows.map((row) => [row.id as number, item.map(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
