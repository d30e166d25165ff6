import { rmSync } from "node:fs";
import { once } from "node:events";
import type { ChildProcess } from "node:child_process";

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __pgSupervisor?: ChildProcess; __pgDataDir?: string };
  const child = g.__pgSupervisor;
  if (child && child.exitCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
  if (g.__pgDataDir) rmSync(g.__pgDataDir, { recursive: true, force: true });
}
