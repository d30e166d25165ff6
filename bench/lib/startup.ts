/**
 * Start-up: spawn to "dashql is ready" on a fresh database (the first start also
 * migrates), then again on the migrated one, and once through `npm start`
 * (which rebuilds incrementally first), with the idle RSS of each.
 */
import type { BenchContext } from "./context";
import { startDashql } from "./processes";

export interface StartupRun {
  name: string;
  ms: number;
  idleRssMb: number;
}

export interface StartupResult {
  runs: StartupRun[];
}

export async function runStartupPhase(ctx: BenchContext): Promise<StartupResult> {
  const url = await ctx.pg.createDatabase("dashql_bench_startup");
  const runs: StartupRun[] = [];
  const plan: { name: string; viaNpmStart: boolean }[] = [
    { name: "first start (fresh database: migrations)", viaNpmStart: false },
    { name: "next start (bin/dashql.js serve)", viaNpmStart: false },
    { name: "next start (bin/dashql.js serve), again", viaNpmStart: false },
  ];
  if (!ctx.options.quick) plan.push({ name: "npm start (incremental build + serve)", viaNpmStart: true });
  for (const step of plan) {
    const server = await startDashql({ databaseUrl: url, adminToken: ctx.adminToken, logDir: ctx.tmp, viaNpmStart: step.viaNpmStart, label: "startup" });
    // Idle means after start-up work settled: GC and lazy JIT calm down within a second or two.
    await new Promise((r) => setTimeout(r, 2000));
    const run = { name: step.name, ms: server.startMs, idleRssMb: server.rssMb() };
    runs.push(run);
    ctx.log(`start-up: ${run.name}: ${run.ms.toFixed(0)} ms, idle RSS ${run.idleRssMb.toFixed(0)} MB`);
    await server.stop();
  }
  await ctx.pg.dropDatabase("dashql_bench_startup");
  return { runs };
}
