import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { preparedQuery } from "../shared/prepared-query";
import { TrackedFile } from "./tracked-file.entity";

/** The tracked_file columns the hot-path reads select (alias `f`), in the shape `toTrackedFile` maps. */
export const TRACKED_FILE_COLUMNS =
  "f.id, f.created_at, f.updated_at, f.host, f.run_dir, f.file_path, f.file_name, f.full_name, f.file_type, f.file_size, f.queue_item_id";

export interface TrackedFileRow {
  id: number;
  created_at: Date;
  updated_at: Date;
  host: string;
  run_dir: string;
  file_path: string;
  file_name: string;
  full_name: string;
  file_type: string;
  /** bigint: a string from pg. */
  file_size: string;
  queue_item_id: number | null;
}

export function toTrackedFile(row: TrackedFileRow): TrackedFile {
  const file = new TrackedFile();
  file.id = row.id;
  file.createdAt = row.created_at;
  file.updatedAt = row.updated_at;
  file.host = row.host;
  file.runDir = row.run_dir;
  file.filePath = row.file_path;
  file.fileName = row.file_name;
  file.fullName = row.full_name;
  file.fileType = row.file_type;
  file.fileSize = Number(row.file_size);
  file.queueItemId = row.queue_item_id;
  return file;
}

export interface FilesOfQueueItemKey {
  queueItemId: number;
  /** At most this many files per item, newest first. */
  first: number;
}

const keyOf = (k: FilesOfQueueItemKey) => `${k.queueItemId}|${k.first}`;

/**
 * Files registered by each queue item, newest first, at most `first` per item.
 * One statement per distinct `first` in a batch (normally one), whatever the
 * number of items. Each item's list is cut in PostgreSQL by a LATERAL ... LIMIT
 * rather than `row_number() OVER (PARTITION BY queue_item_id) <= first`: the
 * window function numbers every file of every item before filtering, while LIMIT
 * stops each index scan after `first` rows. Measured on 50 items x 10,000 files,
 * first = 100: 440 ms with the window function, 83 ms with LATERAL. The LATERAL
 * rows are selected directly (no `id IN (...)` round back to the table), as a
 * prepared statement mapped without TypeORM's hydration.
 */
export function createFilesByQueueItemLoader(em: EntityManager): DataLoader<FilesOfQueueItemKey, TrackedFile[], string> {
  return new DataLoader<FilesOfQueueItemKey, TrackedFile[], string>(
    async (keys) => {
      const byFirst = new Map<number, Set<number>>();
      for (const key of keys) {
        const ids = byFirst.get(key.first) ?? new Set<number>();
        ids.add(key.queueItemId);
        byFirst.set(key.first, ids);
      }
      const found = new Map<string, TrackedFile[]>();
      await Promise.all(
        [...byFirst.entries()].map(async ([first, ids]) => {
          const rows = (
            await preparedQuery<TrackedFileRow>(
              em,
              "files_by_queue_item",
              `SELECT ${TRACKED_FILE_COLUMNS} FROM unnest($1::int[]) AS q(id)
                 CROSS JOIN LATERAL (SELECT * FROM tracked_file t WHERE t.queue_item_id = q.id ORDER BY t.id DESC LIMIT $2) f
                ORDER BY f.queue_item_id, f.id DESC`,
              [[...ids], first],
            )
          ).map(toTrackedFile);
          for (const file of rows) {
            const k = `${file.queueItemId}|${first}`;
            const list = found.get(k);
            if (list) list.push(file);
            else found.set(k, [file]);
          }
        }),
      );
      return keys.map((k) => found.get(keyOf(k)) ?? []);
    },
    { cacheKeyFn: keyOf },
  );
}
