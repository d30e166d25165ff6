import type { EntityManager } from "typeorm";
import { PATH_MAX } from "../file/file-path";
import { InvalidInputError, NotFoundError } from "../shared/errors";
import type { Page } from "../shared/pagination";
import { QUEUE_STATUSES, QueueItem, type QueueStatus } from "./queue-item.entity";
import { pageNewestById } from "../shared/prepared-query";
import { requiredText, text } from "../shared/text";

export type { QueueStatus };

export const DEFAULT_RUN_TAG = "Development";
export const DEFAULT_USER_TAG = "";
/** Default time to live of an enqueued run. */
export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
/** varchar(255) columns: owner, site, host, run_tag, user_tag. */
const SHORT_TEXT_MAX = 255;
/** Runs per enqueueRuns call: a cron job enqueues a directory listing, not millions. */
export const MAX_RUNS_PER_CALL = 10_000;

export interface EnqueueRunProps {
  /** Directory of the run to process; required. Kept as sent (no trimming): it is a path. */
  runDir: string;
  /** Who asked for it; required, 1..255 characters after trimming. */
  owner: string;
  site?: string | null;
  /** The machine the run directory lives on; null and "" are the same host. */
  host?: string | null;
  /** Default "Development" (also when blank). */
  runTag?: string | null;
  /** Default "". */
  userTag?: string | null;
  /** Default now + 24 h; must be in the future. */
  timeToLive?: Date | null;
}

export interface EnqueueResult {
  /** One item per run, in input order; repeats of a run share its item. */
  items: QueueItem[];
  /** Ids of the items this call inserted (the others were already QUEUED or RUNNING). */
  created: ReadonlySet<number>;
}

export interface QueueFilterProps {
  status?: QueueStatus | null;
  /** Exact match. */
  owner?: string | null;
  /** Exact match. */
  runTag?: string | null;
  /** Exact match. */
  host?: string | null;
}

export interface ListQueueProps {
  /** 1..500 */
  first: number;
  after?: string | null;
  filter?: QueueFilterProps | null;
}

const QUEUE_ORDER = "QUEUE_ID_DESC";

interface RunRow {
  runDir: string;
  owner: string;
  site: string | null;
  host: string | null;
  runTag: string;
  userTag: string;
  timeToLive: Date;
}

/** Trims; null, undefined and "" become null. */
function optionalText(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const t = text(value, path, SHORT_TEXT_MAX).trim();
  return t === "" ? null : t;
}

function normalizeRun(run: EnqueueRunProps, path: string, now: number): RunRow {
  if (run === null || typeof run !== "object") throw new InvalidInputError(`${path} must be an object`, path);
  const runDir = requiredText(run.runDir, `${path}.runDir`, PATH_MAX, false);
  const owner = requiredText(run.owner, `${path}.owner`, SHORT_TEXT_MAX, true);
  let timeToLive: Date;
  if (run.timeToLive === undefined || run.timeToLive === null) {
    timeToLive = new Date(now + DEFAULT_TTL_MS);
  } else {
    if (!(run.timeToLive instanceof Date) || Number.isNaN(run.timeToLive.getTime())) {
      throw new InvalidInputError(`${path}.timeToLive must be a valid date`, `${path}.timeToLive`);
    }
    if (run.timeToLive.getTime() <= now) {
      throw new InvalidInputError(
        `${path}.timeToLive must be in the future (got ${run.timeToLive.toISOString()})`,
        `${path}.timeToLive`,
      );
    }
    timeToLive = run.timeToLive;
  }
  return {
    runDir,
    owner,
    site: optionalText(run.site, `${path}.site`),
    host: optionalText(run.host, `${path}.host`),
    runTag: optionalText(run.runTag, `${path}.runTag`) ?? DEFAULT_RUN_TAG,
    userTag: run.userTag == null ? DEFAULT_USER_TAG : text(run.userTag, `${path}.userTag`, SHORT_TEXT_MAX).trim(),
    timeToLive,
  };
}

/** The key of queue_item_active_run_key: coalesce(host, '') and run_dir. */
const runKey = (host: string | null, runDir: string) => JSON.stringify([host ?? "", runDir]);

/**
 * A QUEUED item can leave that state between our insert and our select (a worker
 * claims and finishes it); the missing runs are then inserted again. Three rounds
 * cover any realistic interleaving; more means something is spinning.
 */
const ENQUEUE_ROUNDS = 3;

/**
 * Enqueues runs in one transaction and returns their items in input order. A run
 * (same host, where null counts as "", and runDir) that is already QUEUED or
 * RUNNING is not enqueued again: its existing item is returned, so a cron job can
 * enqueue the same directories every minute. Repeats within one call share one
 * item (the first occurrence's fields). Concurrent identical calls create one row:
 * the partial unique index queue_item_active_run_key arbitrates, and the loser's
 * ON CONFLICT DO NOTHING waits for the winner to commit, then selects its row.
 * `created` holds the ids of the items this call inserted.
 */
export async function enqueueRuns(em: EntityManager, runs: readonly EnqueueRunProps[]): Promise<EnqueueResult> {
  if (!Array.isArray(runs)) throw new InvalidInputError("runs must be a list", "runs");
  if (runs.length > MAX_RUNS_PER_CALL) {
    throw new InvalidInputError(`at most ${MAX_RUNS_PER_CALL} runs per call (got ${runs.length})`, "runs");
  }
  const now = Date.now();
  const rows = runs.map((run, i) => normalizeRun(run, `runs[${i}]`, now));
  if (rows.length === 0) return { items: [], created: new Set() };
  const unique = new Map<string, RunRow>();
  for (const row of rows) {
    const key = runKey(row.host, row.runDir);
    if (!unique.has(key)) unique.set(key, row);
  }

  return em.transaction(async (tx) => {
    const found = new Map<string, QueueItem>();
    const created = new Set<number>();
    for (let round = 0; round < ENQUEUE_ROUNDS && found.size < unique.size; round++) {
      // Sorted by key: concurrent calls with overlapping runs then take index locks in the
      // same order and wait for each other instead of deadlocking.
      const missing = [...unique.entries()]
        .filter(([key]) => !found.has(key))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, row]) => row);
      // DO NOTHING returns only the rows this statement inserted: those are the ones this call created.
      const inserted: { id: number }[] = await tx.query(
        `INSERT INTO queue_item (run_dir, owner, site, host, run_tag, user_tag, time_to_live, status)
         SELECT d, o, s, h, rt, ut, ttl, 'QUEUED'
         FROM unnest($1::text[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::timestamptz[])
           AS u(d, o, s, h, rt, ut, ttl)
         ON CONFLICT (coalesce(host, ''), run_dir) WHERE status IN ('QUEUED', 'RUNNING') DO NOTHING
         RETURNING id`,
        [
          missing.map((r) => r.runDir),
          missing.map((r) => r.owner),
          missing.map((r) => r.site),
          missing.map((r) => r.host),
          missing.map((r) => r.runTag),
          missing.map((r) => r.userTag),
          missing.map((r) => r.timeToLive.toISOString()),
        ],
      );
      for (const { id } of inserted) created.add(id);
      // A new statement takes a new snapshot, so rows committed by a concurrent enqueue are visible here.
      const items = await tx
        .getRepository(QueueItem)
        .createQueryBuilder("q")
        .where("q.status IN ('QUEUED', 'RUNNING')")
        .andWhere("(coalesce(q.host, ''), q.run_dir) IN (SELECT * FROM unnest(CAST(:hosts AS text[]), CAST(:dirs AS text[])))", {
          hosts: missing.map((r) => r.host ?? ""),
          dirs: missing.map((r) => r.runDir),
        })
        .getMany();
      for (const item of items) found.set(runKey(item.host, item.runDir), item);
    }
    const items = rows.map((row) => {
      const item = found.get(runKey(row.host, row.runDir));
      if (!item) throw new Error(`enqueueRuns: run ${row.runDir} neither inserted nor found after ${ENQUEUE_ROUNDS} rounds`);
      return item;
    });
    return { items, created };
  });
}

/**
 * Cancels a QUEUED item. The status check is part of the UPDATE, so an item a
 * worker claims at the same moment is either cancelled or reported as RUNNING,
 * never both. NOT_FOUND for an unknown id; BAD_USER_INPUT naming the current
 * status for an item that is not QUEUED.
 */
export async function cancelQueueItem(em: EntityManager, id: number): Promise<QueueItem> {
  return em.transaction(async (tx) => {
    const updated = await tx
      .createQueryBuilder()
      .update(QueueItem)
      .set({ status: "CANCELLED", finishedAt: () => "now()" })
      .where("id = :id AND status = 'QUEUED'", { id })
      .execute();
    const item = await tx.findOneBy(QueueItem, { id });
    if (!item) throw new NotFoundError("queue item", id);
    if ((updated.affected ?? 0) === 0) {
      throw new InvalidInputError(`queue item ${id} is ${item.status}; only QUEUED items can be cancelled`, "id", {
        status: item.status,
      });
    }
    return item;
  });
}

/**
 * Deletes QUEUED items whose timeToLive is later than the given time (the
 * contract's wording) and returns how many. Files registered by a deleted item
 * keep existing; their queue item becomes null (ON DELETE SET NULL).
 */
export async function purgeQueue(em: EntityManager, timeToLiveAfter: Date): Promise<number> {
  if (!(timeToLiveAfter instanceof Date) || Number.isNaN(timeToLiveAfter.getTime())) {
    throw new InvalidInputError("timeToLiveAfter must be a valid date", "timeToLiveAfter");
  }
  const result = await em
    .createQueryBuilder()
    .delete()
    .from(QueueItem)
    .where("status = 'QUEUED' AND time_to_live > :after", { after: timeToLiveAfter })
    .execute();
  return result.affected ?? 0;
}

/** One queue item, or null when there is none. */
export async function getQueueItem(em: EntityManager, id: number): Promise<QueueItem | null> {
  return em.findOneBy(QueueItem, { id });
}

/** Lists queue items newest first (by id) with keyset pagination. */
export async function listQueue(em: EntityManager, props: ListQueueProps): Promise<Page<QueueItem>> {
  const { first, after, filter } = props;
  if (filter?.status != null && !QUEUE_STATUSES.includes(filter.status)) {
    throw new InvalidInputError(`filter.status must be one of ${QUEUE_STATUSES.join(", ")}`, "filter.status");
  }

  return pageNewestById(em, QueueItem, "q", { first, after, order: QUEUE_ORDER }, [
    ["status", "q.status = ?", filter?.status],
    ["owner", "q.owner = ?", filter?.owner],
    ["tag", "q.run_tag = ?", filter?.runTag],
    ["host", "q.host = ?", filter?.host],
  ]);
}
