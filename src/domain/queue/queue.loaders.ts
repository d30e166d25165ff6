import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { QueueItem } from "./queue-item.entity";

/** Queue items by id, one `id = ANY($1)` statement per batch; null for an id that does not exist. */
export function createQueueItemByIdLoader(em: EntityManager): DataLoader<number, QueueItem | null> {
  return new DataLoader<number, QueueItem | null>(async (ids) => {
    const rows = await em
      .getRepository(QueueItem)
      .createQueryBuilder("q")
      .where("q.id = ANY(:ids)", { ids: [...ids] })
      .getMany();
    const byId = new Map(rows.map((q) => [q.id, q]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
