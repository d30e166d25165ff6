import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { EntityManager } from "typeorm";
import { registerTree, WalkRootError, type WalkedFile } from "../file/scan";
import { JUnitParseError, looksLikeJUnit, parseJUnit, sumSummaries } from "./junit";
import type { QueueItem, TestSummary } from "./queue-item.entity";

export interface ProcessRunOptions {
  /** Host recorded on the files when the item names none: the worker's hostname. */
  workerHost: string;
  /** Stops the run between files and batches (lease lost, shutdown); processRun then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Entries skipped because they could not be read. */
  onWarning?: (message: string) => void;
  /** Files per registerFiles call (default and maximum MAX_FILES_PER_CALL). */
  batchSize?: number;
  /** Test hook (WORKER_DELAY_MS): wait this long after walking, so a test can kill the worker mid-run. */
  delayMs?: number;
}

export type RunOutcome =
  | {
      ok: true;
      summary: TestSummary;
      /** Files registered: new rows and rows refreshed. */
      files: { created: number; updated: number };
      /** XML files recognised as JUnit reports and summed. */
      reports: number;
    }
  | {
      ok: false;
      /** For lastError: names the run directory or the report and the reason. */
      error: string;
      files: { created: number; updated: number };
    };

/** Enough of a file to see past an XML declaration, comments and a DOCTYPE to the root element. */
const SNIFF_BYTES = 4096;
/**
 * V8 strings stop at ~512 M characters; a report this big is far past any real
 * suite and would fail obscurely in readFile, so it fails clearly instead.
 */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

async function readHead(fullName: string): Promise<string> {
  const handle = await open(fullName, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.toString("utf8", 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Processes one claimed run: walks `item.runDir`, registers every regular file
 * (linked to the item, host = item.host or the worker's host) in batches of up to
 * 10,000, and sums the JUnit XML reports among them.
 *
 * A report is an `.xml` file (any case) whose root element is <testsuites> or
 * <testsuite>, judged from its first 4 KB; other XML files are registered and
 * otherwise ignored. A report that does not parse fails the run: lastError names
 * the first bad report and the reason, and how many others were bad. All files are
 * still registered in that case, since they exist whatever their content.
 *
 * Content problems (missing or relative run directory, bad reports) come back as
 * `{ ok: false }`; database and unexpected file-system errors reject. Writes
 * nothing to the item itself: the caller finishes it under its lease.
 */
export async function processRun(em: EntityManager, item: QueueItem, options: ProcessRunOptions): Promise<RunOutcome> {
  const { signal, onWarning } = options;
  const host = item.host ?? options.workerHost;
  const files = { created: 0, updated: 0 };
  const fail = (error: string): RunOutcome => ({ ok: false, error, files });

  // A relative path would resolve against whichever directory each worker runs in.
  if (!path.isAbsolute(item.runDir)) return fail(`run directory ${item.runDir} is not an absolute path`);

  const summaries: TestSummary[] = [];
  const badReports: JUnitParseError[] = [];
  const readReport = async (file: WalkedFile) => {
    if (!file.fullName.toLowerCase().endsWith(".xml")) return;
    try {
      if (!looksLikeJUnit(await readHead(file.fullName))) return;
      if (file.fileSize > MAX_REPORT_BYTES) {
        badReports.push(new JUnitParseError(file.fullName, `report of ${file.fileSize} bytes is larger than ${MAX_REPORT_BYTES}`));
        return;
      }
      summaries.push(parseJUnit(await readFile(file.fullName, "utf8"), file.fullName));
    } catch (error) {
      if (error instanceof JUnitParseError) badReports.push(error);
      else onWarning?.(`skipped report ${file.fullName}: ${(error as Error).message}`);
    }
  };
  try {
    await registerTree(em, {
      root: item.runDir,
      host,
      runDir: item.runDir,
      queueItemId: item.id,
      batchSize: options.batchSize,
      signal,
      onWarning,
      onBatch: (totals) => {
        files.created = totals.created;
        files.updated = totals.updated;
      },
      onFile: readReport,
    });
  } catch (error) {
    if (error instanceof WalkRootError) {
      if (error.code === "ENOENT") return fail(`run directory ${item.runDir} does not exist`);
      if (error.code === "ENOTDIR") return fail(`run directory ${item.runDir} is not a directory`);
      return fail(`cannot read run directory: ${error.message}`);
    }
    throw error;
  }

  if (options.delayMs) await sleep(options.delayMs, undefined, { signal });
  signal?.throwIfAborted();

  if (badReports.length > 0) {
    const more = badReports.length > 1 ? ` (and ${badReports.length - 1} more malformed report${badReports.length > 2 ? "s" : ""})` : "";
    return fail(`malformed JUnit report ${badReports[0].message}${more}`);
  }
  return { ok: true, summary: sumSummaries(summaries), files, reports: summaries.length };
}
