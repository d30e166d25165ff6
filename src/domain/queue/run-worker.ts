import { setTimeout as sleep } from "node:timers/promises";
import type { EntityManager } from "typeorm";
import type { Logger } from "../../config/logger";
import type { QueueItem } from "./queue-item.entity";
import { claimRuns, completeRun, failRun, releaseRun, renewLease } from "./run-claim.service";
import { processRun, type RunOutcome } from "./run-processor";

/**
 * The worker: claims runs, processes them under a renewed lease and finishes
 * them. `dashql work` is a thin shell over it (flags, signals, printing), as
 * graphile-worker's cli.ts is over run()/runOnce(); tests and other programs
 * call it directly.
 */

export interface RunWorkerOptions {
  /** The pooled manager: each run holds at most one connection at a time, plus one for claims and one for renewals. */
  em: EntityManager;
  /** lease_owner of this worker's claims (hostname:pid:random), 1..255 characters. */
  workerId: string;
  /** Host recorded on the files of runs that name none. */
  workerHost: string;
  /** Runs processed at the same time. */
  concurrency: number;
  /** Wait between claims while the queue is empty (ms). */
  pollMs: number;
  /** Claim length (ms); renewed every third of it while a run is processed. */
  leaseMs: number;
  /** Claims per run: a run whose lease expired this many times fails. */
  maxAttempts: number;
  /** Return once nothing is left to claim and nothing is running, instead of polling. */
  once?: boolean;
  /** Aborting stops claiming, interrupts the runs in progress and releases them (back to QUEUED). */
  signal: AbortSignal;
  logger: Logger;
  /** Test hook (WORKER_DELAY_MS): each run waits this long after walking. */
  delayMs?: number;
  /** Called for each run this worker finished (SUCCEEDED or FAILED) while it still held the lease. */
  onFinished?: (item: QueueItem, outcome: RunOutcome) => void;
}

/** What one runWorker call did. */
export interface WorkerTotals {
  succeeded: number;
  failed: number;
  /** Handed back to the queue at shutdown. */
  released: number;
  /** Reclaimed by another worker after this one's lease expired. */
  lost: number;
}

/** Wait before retrying after the database failed a claim: long enough not to hammer it, short enough to recover quickly. */
const CLAIM_RETRY_MS = 5_000;

/** Why a run was interrupted: shutdown releases it, a lost lease leaves it to the worker that now owns it. */
class Interrupt extends Error {
  constructor(readonly kind: "shutdown" | "lease-lost") {
    super(kind === "shutdown" ? "worker is shutting down" : "lease lost to another worker");
  }
}

/** One claimed run: processes it while renewing its lease, then finishes, fails or releases it. */
async function runClaimed(options: RunWorkerOptions, totals: WorkerTotals, item: QueueItem): Promise<void> {
  const { em, leaseMs } = options;
  const log = options.logger.child({ queueItemId: item.id, runDir: item.runDir, attempt: item.attempts });
  const interrupt = new AbortController();
  const onShutdown = () => interrupt.abort(new Interrupt("shutdown"));
  options.signal.addEventListener("abort", onShutdown, { once: true });
  if (options.signal.aborted) onShutdown();

  // A third of the lease: two renewals may fail (a database blip) before the lease runs out.
  let renewing = false;
  const renewal = setInterval(
    () => {
      if (renewing || interrupt.signal.aborted) return;
      renewing = true;
      renewLease(em, item, leaseMs)
        .then((held) => {
          if (!held) interrupt.abort(new Interrupt("lease-lost"));
        })
        .catch((error: unknown) => log.warn({ err: error }, "lease renewal failed; retrying"))
        .finally(() => (renewing = false));
    },
    Math.max(200, Math.floor(leaseMs / 3)),
  );

  const finished = (outcome: RunOutcome) => {
    if (outcome.ok) totals.succeeded++;
    else totals.failed++;
    options.onFinished?.(item, outcome);
  };
  try {
    if (item.attempts > 1) log.warn("reclaimed a run whose previous lease expired");
    log.info("processing run");
    const outcome = await processRun(em, item, {
      workerHost: options.workerHost,
      signal: interrupt.signal,
      delayMs: options.delayMs,
      onWarning: (message) => log.warn(message),
    });
    clearInterval(renewal);
    const held = outcome.ok ? await completeRun(em, item, outcome.summary) : await failRun(em, item, outcome.error);
    if (!held) {
      totals.lost++;
      log.warn("lease lost before the run could be finished; the worker that reclaimed it will finish it");
      return;
    }
    if (!outcome.ok) log.warn({ error: outcome.error }, "run failed");
    finished(outcome);
  } catch (error) {
    clearInterval(renewal);
    const reason = interrupt.signal.aborted ? interrupt.signal.reason : undefined;
    if (reason instanceof Interrupt && reason.kind === "shutdown") {
      const released = await releaseRun(em, item).catch((e: unknown) => {
        log.error({ err: e }, "could not release the run; it will be reclaimed when its lease expires");
        return false;
      });
      if (released) {
        totals.released++;
        log.info("released the run for another worker");
      }
    } else if (reason instanceof Interrupt) {
      totals.lost++;
      log.warn("lease lost while processing (the lease expired and another worker reclaimed the run); stopped");
    } else {
      // Not the run's content (that comes back as a failed outcome): the database or the file system broke.
      // Recorded as FAILED when possible; if even that fails, the lease expires and another attempt follows.
      log.error({ err: error }, "processing failed unexpectedly");
      const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      if (await failRun(em, item, message).catch(() => false)) finished({ ok: false, error: message, files: { created: 0, updated: 0 } });
    }
  } finally {
    clearInterval(renewal);
    options.signal.removeEventListener("abort", onShutdown);
  }
}

/**
 * Claims up to `concurrency` runs at a time and processes them. With `once`, it
 * returns when nothing is left to claim and nothing is running; otherwise it
 * sleeps `pollMs` between empty claims until `signal` aborts. A failed claim is
 * retried after 5 s, except with `once` and nothing running, where it rejects.
 */
export async function runWorker(options: RunWorkerOptions): Promise<WorkerTotals> {
  const { em, logger, signal, concurrency, maxAttempts } = options;
  const totals: WorkerTotals = { succeeded: 0, failed: 0, released: 0, lost: 0 };
  const active = new Set<Promise<void>>();
  const stopped = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);

  while (!signal.aborted) {
    const free = concurrency - active.size;
    let claimed: QueueItem[] = [];
    if (free > 0) {
      try {
        const result = await claimRuns(em, { workerId: options.workerId, limit: free, leaseMs: options.leaseMs, maxAttempts });
        claimed = result.claimed;
        if (result.expired > 0) logger.warn({ count: result.expired }, "failed runs whose time to live passed before processing");
        if (result.exhausted > 0) logger.warn({ count: result.exhausted }, `failed runs whose lease expired ${maxAttempts} times`);
      } catch (error) {
        if (options.once && active.size === 0) throw error;
        logger.error({ err: error, retryInMs: CLAIM_RETRY_MS }, "claiming runs failed; retrying");
        await pause(CLAIM_RETRY_MS);
        continue;
      }
    }
    if (signal.aborted) {
      // Claimed in the same instant as the signal: hand them straight back.
      await Promise.all(claimed.map((item) => releaseRun(em, item).catch(() => false)));
      break;
    }
    for (const item of claimed) {
      const task = runClaimed(options, totals, item).finally(() => active.delete(task));
      active.add(task);
    }
    if (claimed.length > 0 && active.size < concurrency) continue;
    if (active.size > 0) {
      await Promise.race([...active, stopped]);
      continue;
    }
    if (options.once) break;
    logger.debug({ pollMs: options.pollMs }, "queue empty; waiting before the next claim");
    await pause(options.pollMs);
  }
  await Promise.allSettled([...active]);
  return totals;
}
