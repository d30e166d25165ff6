import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** The repository root: test/support is two levels down, and three in the bench's build (dist-bench/test/support). */
export const ROOT = [path.resolve(__dirname, "../.."), path.resolve(__dirname, "../../..")].find((dir) => existsSync(path.join(dir, "package.json")))!;
export const TEMPLATE_DB = "dashql_test_template";
export const CLI = path.join(ROOT, "bin/dashql.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `dashql` command as a real child process. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number; /** Another build's bin/dashql.js (the bench's A/B runs). */ cli?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
