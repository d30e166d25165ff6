import { randomBytes } from "node:crypto";
import os from "node:os";
import { Option, type Command } from "commander";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import type { RunOutcome } from "../../domain/queue/run-processor";
import { runWorker } from "../../domain/queue/run-worker";
import { formatDuration } from "../duration";
import { durationOption, integerOption } from "../options";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

interface WorkOptions {
  once?: boolean;
  concurrency: number;
  poll: number;
  lease: number;
  maxAttempts: number;
  host?: string;
}

const DEFAULT_POLL_MS = 15 * 60_000;
const DEFAULT_LEASE_MS = 60_000;

/** One line per finished run on stdout: what an operator reads. */
function printRun(item: QueueItem, outcome: RunOutcome): void {
  if (!outcome.ok) {
    console.log(`run ${item.id} FAILED ${item.runDir}: ${outcome.error}`);
    return;
  }
  const s = outcome.summary;
  console.log(
    `run ${item.id} SUCCEEDED ${item.runDir}: ${s.tests} tests, ${s.failures} failures, ${s.errors} errors, ` +
      `${s.skipped} skipped, ${s.durationSeconds} s; ${outcome.files.created + outcome.files.updated} files, ${outcome.reports} reports`,
  );
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
    .action(async (options: WorkOptions, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>(), process.env, { quiet: false });
      const workerHost = options.host?.trim() || os.hostname();
      const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`.slice(0, 255);
      const logger = runtime.logger.child({ workerId });
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
      let totals;
      try {
        totals = await withDatabase(
          runtime,
          (db) => {
            logger.info({ concurrency: options.concurrency, once: Boolean(options.once) }, "worker started");
            return runWorker({
              em: db.dataSource.manager,
              workerId,
              workerHost,
              concurrency: options.concurrency,
              pollMs: options.poll,
              leaseMs: options.lease,
              maxAttempts: options.maxAttempts,
              once: options.once,
              signal: controller.signal,
              logger,
              delayMs: runtime.config.workerDelayMs,
              onFinished: printRun,
            });
          },
          // Each run holds at most one connection at a time, plus one for claims and one for lease renewals.
          { poolSize: options.concurrency + 2 },
        );
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
      const { succeeded, failed, released, lost } = totals;
      console.log(
        `processed ${succeeded + failed} runs (${succeeded} succeeded, ${failed} failed` +
          `${released ? `, ${released} released` : ""}${lost ? `, ${lost} lost to other workers` : ""}) ` +
          `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
}
