/**
 * Everything the bench starts (postgres, servers, load generators, temp dirs)
 * registers its undo here. The undos run in reverse order at the end, on an
 * error, and on Ctrl-C/SIGTERM, so nothing outlives `npm run bench`.
 */
import { stopAllProcesses } from "../../test/support/processes";

type Undo = () => Promise<void> | void;

const undos: { name: string; undo: Undo }[] = [];
let running: Promise<void> | undefined;

/** Registers an undo; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(name: string, undo: Undo): () => Promise<void> {
  const entry = { name, undo };
  undos.push(entry);
  let done: Promise<void> | undefined;
  return () =>
    (done ??= (async () => {
      const i = undos.indexOf(entry);
      if (i >= 0) undos.splice(i, 1);
      await undo();
    })());
}

/** Runs every registered undo, newest first; errors are reported, not thrown. */
export function cleanupAll(): Promise<void> {
  return (running ??= (async () => {
    while (undos.length > 0) {
      const { name, undo } = undos.pop()!;
      try {
        await undo();
      } catch (error) {
        process.stderr.write(`bench: cleanup of ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    // Whatever test/support spawned and no undo stopped (a start that failed half-way).
    await stopAllProcesses();
  })());
}

/** Ctrl-C (twice: give up waiting) and SIGTERM clean up, then exit 130/143. */
export function installSignalHandlers(): void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write("bench: second interrupt, exiting without waiting for cleanup\n");
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}, stopping everything it started...\n`);
    void cleanupAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  process.on("SIGHUP", handler);
}
