import { randomBytes } from "node:crypto";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Option, type Command } from "commander";
import type { EntityManager } from "typeorm";
import type { Logger } from "../../config/logger";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import { claimRuns, completeRun, failRun, releaseRun, renewLease } from "../../domain/queue/queue.worker";
import { processRun } from "../../domain/queue/run-processor";
import { durationOption, formatDuration, integerOption } from "../duration";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";
import { startWorkerMetrics, type WorkerMetrics } from "../worker-metrics";

interface WorkOptions {
  once?: boolean;
  concurrency: number;
  poll: number;
  lease: number;
  maxAttempts: number;
  host?: string;
  metricsPort?: number;
}

const DEFAULT_POLL_MS = 15 * 60_000;
const DEFAULT_LEASE_MS = 60_000;
/** Wait before retrying after the database failed a claim: long enough not to hammer it, short enough to recover quickly. */
const CLAIM_RETRY_MS = 5_000;

/** Why a run was interrupted: shutdown releases it, a lost lease leaves it to the worker that now owns it. */
class Interrupt extends Error {
  constructor(readonly kind: "shutdown" | "lease-lost") {
    super(kind === "shutdown" ? "worker is shutting down" : "lease lost to another worker");
  }
}

interface Counters {
  succeeded: number;
  failed: number;
  released: number;
  lost: number;
}

interface WorkerContext {
  em: EntityManager;
  logger: Logger;
  options: WorkOptions;
  workerHost: string;
  delayMs: number;
  shutdown: AbortSignal;
  counters: Counters;
  metrics?: WorkerMetrics;
}

/** One claimed run: processes it while renewing its lease, then finishes, fails or releases it. */
async function runClaimed(ctx: WorkerContext, item: QueueItem): Promise<void> {
  const { em, logger, options, counters } = ctx;
  const log = logger.child({ queueItemId: item.id, runDir: item.runDir, attempt: item.attempts });
  const interrupt = new AbortController();
  const onShutdown = () => interrupt.abort(new Interrupt("shutdown"));
  ctx.shutdown.addEventListener("abort", onShutdown, { once: true });
  if (ctx.shutdown.aborted) onShutdown();

  // A third of the lease: two renewals may fail (a database blip) before the lease runs out.
  let renewing = false;
  const renewal = setInterval(
    () => {
      if (renewing || interrupt.signal.aborted) return;
      renewing = true;
      renewLease(em, item, options.lease)
        .then((held) => {
          if (!held) interrupt.abort(new Interrupt("lease-lost"));
        })
        .catch((error: unknown) => log.warn({ err: error }, "lease renewal failed; retrying"))
        .finally(() => (renewing = false));
    },
    Math.max(200, Math.floor(options.lease / 3)),
  );

  try {
    if (item.attempts > 1) log.warn("reclaimed a run whose previous lease expired");
    log.info("processing run");
    const outcome = await processRun(em, item, {
      workerHost: ctx.workerHost,
      signal: interrupt.signal,
      delayMs: ctx.delayMs,
      onWarning: (message) => log.warn(message),
    });
    clearInterval(renewal);
    const held = outcome.ok ? await completeRun(em, item, outcome.summary) : await failRun(em, item, outcome.error);
    if (!held) {
      counters.lost++;
      log.warn("lease lost before the run could be finished; the worker that reclaimed it will finish it");
      return;
    }
    const files = `${outcome.files.created + outcome.files.updated} files`;
    if (outcome.ok) {
      counters.succeeded++;
      const s = outcome.summary;
      console.log(
        `run ${item.id} SUCCEEDED ${item.runDir}: ${s.tests} tests, ${s.failures} failures, ${s.errors} errors, ` +
          `${s.skipped} skipped, ${s.durationSeconds} s; ${files}, ${outcome.reports} reports`,
      );
    } else {
      counters.failed++;
      log.warn({ error: outcome.error }, "run failed");
      console.log(`run ${item.id} FAILED ${item.runDir}: ${outcome.error}`);
    }
  } catch (error) {
    clearInterval(renewal);
    const reason = interrupt.signal.aborted ? interrupt.signal.reason : undefined;
    if (reason instanceof Interrupt && reason.kind === "shutdown") {
      const released = await releaseRun(em, item).catch((e: unknown) => {
        log.error({ err: e }, "could not release the run; it will be reclaimed when its lease expires");
        return false;
      });
      if (released) {
        counters.released++;
        log.info("released the run for another worker");
      }
    } else if (reason instanceof Interrupt) {
      counters.lost++;
      log.warn("lease lost while processing (the lease expired and another worker reclaimed the run); stopped");
    } else {
      // Not the run's content (that comes back as a failed outcome): the database or the file system broke.
      // Recorded as FAILED when possible; if even that fails, the lease expires and another attempt follows.
      log.error({ err: error }, "processing failed unexpectedly");
      const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      if (await failRun(em, item, message).catch(() => false)) {
        counters.failed++;
        console.log(`run ${item.id} FAILED ${item.runDir}: ${message}`);
      }
    }
  } finally {
    clearInterval(renewal);
    ctx.shutdown.removeEventListener("abort", onShutdown);
  }
}

/**
 * The worker loop: claims up to `concurrency` runs at a time and processes them.
 * With `once`, it returns when nothing is left to claim and nothing is running;
 * otherwise it sleeps `poll` between empty claims. When `shutdown` aborts it stops
 * claiming, interrupts the runs in progress and releases them (back to QUEUED).
 */
async function workLoop(ctx: WorkerContext, workerId: string): Promise<void> {
  const { em, logger, options, shutdown } = ctx;
  const active = new Set<Promise<void>>();
  const stopped = new Promise<void>((resolve) => shutdown.addEventListener("abort", () => resolve(), { once: true }));
  const pause = (ms: number) => sleep(ms, undefined, { signal: shutdown }).catch(() => undefined);

  while (!shutdown.aborted) {
    const free = options.concurrency - active.size;
    let claimed: QueueItem[] = [];
    if (free > 0) {
      try {
        const result = await claimRuns(em, { workerId, limit: free, leaseMs: options.lease, maxAttempts: options.maxAttempts });
        claimed = result.claimed;
        if (result.expired > 0) logger.warn({ count: result.expired }, "failed runs whose time to live passed before processing");
        if (result.exhausted > 0) logger.warn({ count: result.exhausted }, `failed runs whose lease expired ${options.maxAttempts} times`);
      } catch (error) {
        if (options.once && active.size === 0) throw error;
        logger.error({ err: error }, `claiming runs failed; retrying in ${formatDuration(CLAIM_RETRY_MS)}`);
        await pause(CLAIM_RETRY_MS);
        continue;
      }
    }
    if (shutdown.aborted) {
      // Claimed in the same instant as the signal: hand them straight back.
      await Promise.all(claimed.map((item) => releaseRun(em, item).catch(() => false)));
      break;
    }
    for (const item of claimed) {
      const task = (ctx.metrics ? ctx.metrics.timeRun(() => runClaimed(ctx, item)) : runClaimed(ctx, item)).finally(() => active.delete(task));
      active.add(task);
    }
    if (claimed.length > 0 && active.size < options.concurrency) continue;
    if (active.size > 0) {
      await Promise.race([...active, stopped]);
      continue;
    }
    if (options.once) break;
    logger.debug(`queue empty; next claim in ${formatDuration(options.poll)}`);
    await pause(options.poll);
  }
  await Promise.allSettled([...active]);
}

export function registerWork(program: Command): void {
  program
    .command("work")
    .description(
      "process queued runs: register their files and sum their JUnit reports. SIGTERM/SIGINT stop claiming, " +
        "release the runs in progress back to the queue and exit 0",
    )
    .option("--once", "process everything claimable, then exit")
    .option("--concurrency <n>", "runs processed at the same time", integerOption(1, 64), 1)
    .addOption(
      new Option("--poll <duration>", "wait between claims when the queue is empty")
        .argParser(durationOption(100))
        .default(DEFAULT_POLL_MS, formatDuration(DEFAULT_POLL_MS)),
    )
    .addOption(
      new Option("--lease <duration>", "claim length; renewed every third of it while a run is processed")
        .argParser(durationOption(1000))
        .default(DEFAULT_LEASE_MS, formatDuration(DEFAULT_LEASE_MS)),
    )
    .option("--max-attempts <n>", "claims per run: a run whose lease expired this many times fails", integerOption(1, 100), 3)
    .option("--host <name>", "host recorded on files of runs that name none (default: this machine's hostname)")
    .option("--metrics-port <port>", "serve Prometheus metrics at http://HOST:<port>/metrics while working (0: any free port)", integerOption(0, 65535))
    .action(async (options: WorkOptions, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const workerHost = options.host?.trim() || os.hostname();
      const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`.slice(0, 255);
      const logger = runtime.logger.child({ workerId });
      const metrics = options.metricsPort === undefined ? undefined : await startWorkerMetrics({ port: options.metricsPort, config: runtime.config });
      if (metrics) console.log(`metrics at ${metrics.url}`);
      const counters: Counters = metrics?.counters ?? { succeeded: 0, failed: 0, released: 0, lost: 0 };
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          logger.info({ signal }, "stopping: no new claims; releasing runs in progress");
          controller.abort();
        } else {
          // The runs still held come back when their leases expire.
          logger.warn({ signal }, "second signal: exiting without releasing");
          process.exit(130);
        }
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      const started = Date.now();
      try {
        // Each run holds at most one connection at a time, plus one for claims and one for lease renewals.
        await withDatabase(
          runtime,
          async (db) => {
            logger.info({ concurrency: options.concurrency, once: Boolean(options.once) }, "worker started");
            await workLoop(
              {
                em: db.dataSource.manager,
                logger,
                options,
                workerHost,
                delayMs: runtime.config.workerDelayMs,
                shutdown: controller.signal,
                counters,
                metrics,
              },
              workerId,
            );
          },
          { poolSize: options.concurrency + 2 },
        );
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        await metrics?.close();
      }
      const { succeeded, failed, released, lost } = counters;
      console.log(
        `processed ${succeeded + failed} runs (${succeeded} succeeded, ${failed} failed` +
          `${released ? `, ${released} released` : ""}${lost ? `, ${lost} lost to other workers` : ""}) ` +
          `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
}
