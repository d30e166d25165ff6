/** The tables `npm run bench` prints (and the README's Performance section shows). */
import type { BenchReport } from "../main";

/** Targets from issue 4, raised by issue 10 (ratios to the floor and to PostGraphile, tails against the floor's). */
export const TARGETS = {
  /** dashql req/s over the floor's. */
  ratio: { Q1: 0.5, Q2: 0.4, M1: 0.4 } as Record<string, number>,
  /** dashql req/s over PostGraphile's. */
  peerRatio: { Q1: 1.25, Q2: 1.3 } as Record<string, number>,
  /** dashql's p99/p50 at most this times the floor's own p99/p50 in the same run. */
  tailVsFloor: 1.5,
  importSec: 5,
  registerSec: 5,
  scanSec: 15,
  startSec: 10,
  idleRssMb: 150,
};

function table(header: string[], rows: (string | number)[][], rightFrom = 1): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < rightFrom ? (c ?? "").padEnd(widths[i]) : (c ?? "").padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const n0 = (v: number | null | undefined) => (typeof v !== "number" || Number.isNaN(v) ? "-" : Math.round(v).toLocaleString("en-US"));
const n1 = (v: number | null | undefined) => (typeof v !== "number" || Number.isNaN(v) ? "-" : v.toFixed(1));
const n2 = (v: number | null | undefined) => (typeof v !== "number" || Number.isNaN(v) ? "-" : v.toFixed(2));
const x_ = (s: string | undefined) => (s ?? "").split("\n")[0].slice(0, 200);
const ok = (pass: boolean | undefined) => (pass === undefined ? "" : pass ? "ok" : "MISS");

export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `dashql bench ${report.startedAt}${report.options.quick ? " (--quick)" : ""}, git ${report.git ?? "?"}`,
    `machine: ${m.cores} x ${m.cpus}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres} ${m.postgresKind}; ` +
      `load average ${m.loadAverageAtStart.join("/")} at start, ${m.loadAverage?.join("/") ?? "?"} at end`,
    `load: ${report.options.connections} connections, warm-up ${report.options.warmupSec} s, ${report.options.rounds} rounds x ${report.options.roundSec} s, medians; generator in its own process on the same machine`,
  );

  if (report.operations.length > 0) {
    const peer = report.peer ? `PostGraphile ${report.peer.version ?? "?"} (amber preset)` : "PostGraphile";
    out.push("", `Operations: dashql as a ratio to the single-SQL floor (same requests) and to ${peer} (same question), same run`);
    const tail = (r: { p50Ms: number; p99Ms: number } | undefined) => (r ? r.p99Ms / r.p50Ms : undefined);
    const rows = report.operations.map((o) => {
      if (!o.dashql || !o.floor) return [o.operation, o.description, o.skipped ?? "skipped"];
      const target = TARGETS.ratio[o.operation];
      const peerTarget = TARGETS.peerRatio[o.operation];
      const dTail = tail(o.dashql)!;
      const fTail = tail(o.floor)!;
      const stmts = o.statementsByPageSize?.map((s) => s.statements).join("/") ?? "";
      const targets = [
        target ? `floor>=${target} ${ok((o.ratio ?? 0) >= target)}` : "",
        peerTarget && o.peerRatio !== undefined ? `PG>=${peerTarget} ${ok(o.peerRatio >= peerTarget)}` : "",
        `tail<=${TARGETS.tailVsFloor}xfloor ${ok(dTail <= TARGETS.tailVsFloor * fTail)}`,
      ].filter(Boolean);
      return [
        o.operation,
        o.description,
        n2(o.ratio),
        o.peer ? n2(o.peerRatio) : "-",
        `${n1(o.dashql.p50Ms)}/${n1(o.dashql.p99Ms)}`,
        n1(dTail),
        `${n1(o.floor.p50Ms)}/${n1(o.floor.p99Ms)}`,
        n1(fTail),
        o.peer ? `${n1(o.peer.p50Ms)}/${n1(o.peer.p99Ms)}` : "-",
        o.peer ? n1(tail(o.peer)) : "-",
        n2(o.dashql.statementsPerRequest) + (stmts ? ` (${stmts})` : ""),
        n2(o.dashql.cpuMsPerRequest),
        o.peer ? n2(o.peer.cpuMsPerRequest) : "-",
        `${n0(o.dashql.requestsPerSec)}/${n0(o.floor.requestsPerSec)}/${o.peer ? n0(o.peer.requestsPerSec) : "-"}`,
        `${o.dashql.errors}/${o.floor.errors}/${o.peer ? o.peer.errors : "-"}`,
        `${o.answerDiff ? "DIFFERS" : "same"}/${o.peer ? (o.peerAnswerDiff ? "DIFFERS" : "same") : "-"}`,
        targets.join(", "),
      ];
    });
    out.push(
      table(
        ["op", "what", "x floor", "x PG", "dashql p50/p99", "p99/p50", "floor p50/p99", "p99/p50", "PG p50/p99", "p99/p50", "SQL/req (first 1/N)", "CPU ms/req", "PG CPU", "req/s d/f/PG", "err d/f/PG", "answer f/PG", "targets"],
        rows,
        2,
      ),
    );
    out.push(
      "  x floor, x PG: dashql requests/s over the floor's and over PostGraphile's (medians of interleaved rounds); latencies in ms",
      "  SQL/req: dashql's X-SQL-Statements; CPU ms/req: CPU time of the server process per request (median of rounds), steadier than req/s on a shared machine",
    );
    for (const o of report.operations.filter((x) => x.note)) out.push(`  ${o.operation}: ${o.note}`);
    for (const o of report.operations.filter((x) => x.peerNote && x.peer)) out.push(`  ${o.operation} PostGraphile: ${o.peerNote}`);
    for (const o of report.operations.filter((x) => x.peerSkipped)) out.push(`  ${o.operation} PostGraphile not measured: ${x_(o.peerSkipped)}`);
    for (const o of report.operations.filter((x) => x.answerDiff)) out.push(`  ${o.operation}: floor answers differ at ${o.answerDiff}`);
    for (const o of report.operations.filter((x) => x.peerAnswerDiff)) out.push(`  ${o.operation}: PostGraphile answers differ at ${o.peerAnswerDiff}`);
  }

  if (report.bulk.length > 0) {
    out.push("", "Bulk (wall time through the API/CLI vs COPY of the same rows into the same tables)");
    out.push(
      table(
        ["what", "rows", "seconds", "rows/s", "COPY s", "COPY rows/s", "x COPY", "target", "note"],
        report.bulk.map((b) => [
          b.name,
          n0(b.rows),
          b.seconds === undefined ? "-" : b.seconds.toFixed(2),
          n0(b.rows && b.seconds ? b.rows / b.seconds : undefined),
          b.copySeconds === undefined ? "-" : b.copySeconds.toFixed(2),
          n0(b.rows && b.copySeconds ? b.rows / b.copySeconds : undefined),
          b.seconds && b.copySeconds ? n1(b.seconds / b.copySeconds) : "-",
          b.targetSec ? `<${b.targetSec} s ${ok(b.seconds !== undefined && b.seconds < b.targetSec)}` : "",
          b.note ?? "",
        ]),
      ),
    );
  }

  if (report.growth.length > 0) {
    const sizes = [...new Set(report.growth.map((g) => g.rows))].sort((a, b) => a - b);
    const keys = [...new Set(report.growth.map((g) => `${g.operation} ${g.page}`))];
    out.push("", "Growth (dashql p50 / p99 ms and req/s; floor req/s) by rows in the table");
    out.push(
      table(
        ["query", ...sizes.map((s) => `${n0(s)} rows`)],
        keys.map((key) => [
          key,
          ...sizes.map((size) => {
            const g = report.growth.find((x) => `${x.operation} ${x.page}` === key && x.rows === size);
            if (!g) return "-";
            if (!g.dashql) return g.skipped ?? "-";
            return `${n1(g.dashql.p50Ms)} / ${n1(g.dashql.p99Ms)} ms, ${n0(g.dashql.requestsPerSec)}/s (floor ${n0(g.floor?.requestsPerSec)}/s)`;
          }),
        ]),
      ),
    );
    const loads = report.growth.filter((g) => g.loadMs !== undefined);
    if (loads.length) out.push(`  table loads: ${loads.map((g) => `${n0(g.rows)} rows in ${(g.loadMs! / 1000).toFixed(1)} s`).join(", ")}`);
  }

  if (report.startup) {
    const s = report.startup;
    out.push("", "Start-up (spawn to \"dashql is ready\")");
    out.push(
      table(
        ["what", "ms", "idle RSS MB", "target"],
        s.runs.map((r) => [
          r.name,
          n0(r.ms),
          n0(r.idleRssMb),
          r.name.startsWith("first") ? "" : `<${TARGETS.startSec} s ${ok(r.ms < TARGETS.startSec * 1000)}, RSS <${TARGETS.idleRssMb} MB ${ok(r.idleRssMb < TARGETS.idleRssMb)}`,
        ]),
      ),
    );
  }
  for (const note of report.notes) out.push(`note: ${note}`);
  return out.join("\n");
}

export function printReport(report: BenchReport): void {
  console.log("\n" + renderReport(report));
}
