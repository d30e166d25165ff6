import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { preparedQuery } from "../shared/prepared-query";
import type { QueueItem } from "./queue-item.entity";
import { QUEUE_ITEM_COLUMNS, toQueueItem, type QueueItemRow } from "./queue.service";

/** Queue items by id, one `id = ANY($1)` prepared statement per batch, mapped without hydration; null for an id that does not exist. */
export function createQueueItemByIdLoader(em: EntityManager): DataLoader<number, QueueItem | null> {
  return new DataLoader<number, QueueItem | null>(async (ids) => {
    const rows = await preparedQuery<QueueItemRow>(em, "queue_items_by_id", `SELECT ${QUEUE_ITEM_COLUMNS} FROM queue_item q WHERE q.id = ANY($1::int[])`, [
      [...ids],
    ]);
    const byId = new Map(rows.map((row) => [row.id, toQueueItem(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
