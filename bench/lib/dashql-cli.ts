/** Runs the built `dashql` command as a child process, as an operator would. */
import { runCli } from "../../test/support/paths";
import { CLI } from "./paths";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runDashql(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  const started = performance.now();
  const run = await runCli(args, { env: { NODE_ENV: "production", ...env }, cwd: options.cwd, timeoutMs: options.timeoutMs ?? 300_000, cli: CLI });
  return { ...run, ms: performance.now() - started };
}

/** Command names from `dashql --help` (commander lists them under "Commands:"). */
export async function listCommands(): Promise<Set<string>> {
  const run = await runDashql(["--help"]);
  const section = run.stdout.split(/^Commands:\s*$/m)[1] ?? "";
  return new Set(
    section
      .split("\n")
      .map((line) => /^\s{2}([a-z][\w-]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name !== "help"),
  );
}

/** Applies migrations to the database at `url` through `dashql migrate`. */
export async function migrateDatabase(url: string): Promise<number> {
  const run = await runDashql(["migrate", "--database-url", url]);
  if (run.code !== 0) throw new Error(`dashql migrate failed (${run.code}): ${run.stderr.trim() || run.stdout.trim()}`);
  return run.ms;
}
