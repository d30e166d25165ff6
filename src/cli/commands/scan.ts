import path from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { checkWalkRoot, registerTree, WalkRootError } from "../../domain/file/scan";
import { CliError, createRuntime, EXIT, withDatabase, type GlobalOptions } from "../runtime";

interface ScanOptions {
  host: string;
  runDir?: string;
}

/** 12345 -> "12,345": counts in summaries are read by people. */
const n = (value: number) => value.toLocaleString("en-US");

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description(
      "register every regular file under DIR as tracked files of HOST, in batches of 10,000 " +
        "(symbolic links are not followed; unreadable entries are skipped with a warning)",
    )
    .argument("<dir>", "directory to walk")
    .requiredOption("--host <name>", "the machine the files live on")
    .option("--run-dir <dir>", "run directory recorded on the files (default: DIR as an absolute path)")
    .action(async (dir: string, options: ScanOptions, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const { logger } = runtime;
      const root = path.resolve(dir);
      const runDir = options.runDir ?? root;
      if (options.host.trim() === "" || options.host.length > 255) throw new CliError("--host must be 1 to 255 characters", EXIT.usage);
      // Before opening the database: a mistyped DIR fails at once instead of after starting an embedded cluster.
      await checkWalkRoot(root).catch((error: unknown) => {
        throw error instanceof WalkRootError ? new CliError(`cannot scan: ${error.message}`, EXIT.usage) : error;
      });
      // Reset once the database is open: the rate is the scan's, not the embedded cluster's start-up.
      let started = process.hrtime.bigint();
      const elapsedSeconds = () => Number(process.hrtime.bigint() - started) / 1e9;

      const interactive = process.stderr.isTTY === true;
      const bar = interactive
        ? new SingleBar({
            format: "scanning {dir} | {value} files found | {registered} registered | {rate} files/s",
            hideCursor: true,
            stream: process.stderr,
          })
        : undefined;
      let found = 0;
      let registered = 0;
      const payload = () => ({ dir: root, registered: n(registered), rate: n(Math.round(registered / Math.max(elapsedSeconds(), 1e-3))) });
      bar?.start(0, 0, payload());

      let warnings = 0;
      const totals = await withDatabase(
        runtime,
        async (db) => {
          started = process.hrtime.bigint();
          try {
            return await registerTree(db.dataSource.manager, {
              root,
              host: options.host,
              runDir,
              onWarning: (message) => {
                warnings++;
                logger.warn(message);
              },
              onBatch: (t) => {
                registered = t.files;
                if (bar) bar.update(found, payload());
                else console.error(`registered ${n(t.files)} files so far (${n(t.created)} created, ${n(t.updated)} updated)`);
              },
              onFile: () => {
                found++;
                // Redrawing per file would cost more than the walk itself.
                if (bar && found % 500 === 0) {
                  bar.setTotal(found);
                  bar.update(found, payload());
                }
              },
            });
          } catch (error) {
            if (error instanceof WalkRootError) throw new CliError(`cannot scan: ${error.message}`, EXIT.usage);
            throw error;
          }
        },
        { poolSize: 2 },
      ).finally(() => {
        if (bar) {
          bar.setTotal(found);
          bar.update(found, payload());
          bar.stop();
        }
      });

      const seconds = elapsedSeconds();
      const rate = Math.round(totals.files / Math.max(seconds, 1e-3));
      if (warnings > 0) console.error(`skipped ${n(warnings)} unreadable entr${warnings === 1 ? "y" : "ies"} (see warnings above)`);
      console.log(
        `registered ${n(totals.files)} files (${n(totals.created)} created, ${n(totals.updated)} updated) ` +
          `in ${seconds.toFixed(1)} s (${n(rate)} files/s)`,
      );
    });
}
