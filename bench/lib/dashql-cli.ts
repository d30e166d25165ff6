/** Runs the built `dashql` command as a child process, as an operator would. */
import { spawn } from "node:child_process";
import { CLI, ROOT } from "./paths";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runDashql(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
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
