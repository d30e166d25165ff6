/** Command-line options of `npm run bench -- [options]`. */
export interface BenchOptions {
  quick: boolean;
  connections: number;
  warmupSec: number;
  roundSec: number;
  rounds: number;
  /** Phases to run: load, bulk, growth, startup (default all). */
  phases: Set<string>;
  /** Operations to load-test (default all available). */
  operations: Set<string> | undefined;
  /** Table sizes for the growth phase. */
  growthSizes: number[];
  growthRoundSec: number;
  /** Rounds per growth measurement (fewer than the load phase's: 4 queries x 2 servers x 3 sizes). */
  growthRounds: number;
  /** Files in the `dashql scan` tree, and runs for `dashql work`. */
  scanFiles: number;
  workRuns: number;
  workers: number[];
  /** Run dashql with --cpu-prof; profiles go to bench/results/profiles/. */
  cpuProf: boolean;
  writeJson: boolean;
  keepTemp: boolean;
  databaseUrl: string | undefined;
}

const USAGE = `usage: npm run bench -- [options]
  --quick              ~2-minute smoke run (short rounds, growth to 100,000, smaller scan/work trees)
  --only=LIST          phases and/or operations, comma separated: load,bulk,growth,startup,Q1,Q2,Q3,Q4,M1
  --connections=N      concurrent connections of the load generator (default 16)
  --rounds=N --round=SEC --warmup=SEC   measured rounds (3), seconds per round, warm-up seconds
  --growth=LIST        table sizes for the growth phase (default 1000,100000,1000000)
  --cpu-prof           profile the dashql server (node --cpu-prof) into bench/results/profiles/
  --no-json            do not write bench/results/<timestamp>.json
  --keep-temp          keep the temp dir (server logs, scan tree) for inspection
  DATABASE_URL=...     use that PostgreSQL server (the bench creates and drops its own databases) instead of an embedded one`;

export function parseOptions(argv: string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      console.error(`bench: unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
    flags.set(m[1], m[2] ?? "true");
  }
  const known = ["quick", "only", "connections", "rounds", "round", "warmup", "growth", "cpu-prof", "no-json", "keep-temp"];
  for (const name of flags.keys()) {
    if (!known.includes(name)) {
      console.error(`bench: unknown option --${name}\n${USAGE}`);
      process.exit(2);
    }
  }
  const quick = flags.has("quick");
  const num = (name: string, fallback: number) => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`bench: --${name} must be a positive number`);
      process.exit(2);
    }
    return n;
  };
  const only = flags.get("only")?.split(",").map((s) => s.trim()).filter(Boolean);
  const phaseNames = ["load", "bulk", "growth", "startup"];
  const ops = only?.filter((s) => /^[QM]\d$/i.test(s)).map((s) => s.toUpperCase());
  const phases = new Set(only ? only.filter((s) => phaseNames.includes(s.toLowerCase())).map((s) => s.toLowerCase()) : phaseNames);
  if (ops && ops.length > 0) phases.add("load");
  for (const s of only ?? []) {
    if (!phaseNames.includes(s.toLowerCase()) && !/^[QM]\d$/i.test(s)) {
      console.error(`bench: --only: unknown phase or operation "${s}"`);
      process.exit(2);
    }
  }
  return {
    quick,
    connections: num("connections", 16),
    warmupSec: num("warmup", quick ? 1 : 3),
    roundSec: num("round", quick ? 2 : 6),
    rounds: num("rounds", 3),
    phases,
    operations: ops && ops.length > 0 ? new Set(ops) : undefined,
    growthSizes: (flags.get("growth") ?? (quick ? "1000,100000" : "1000,100000,1000000")).split(",").map(Number),
    growthRoundSec: quick ? 1 : 2,
    growthRounds: quick ? 1 : 2,
    scanFiles: quick ? 5_000 : 46_716,
    workRuns: quick ? 200 : 2_000,
    workers: [1, 2, 4],
    cpuProf: flags.has("cpu-prof"),
    writeJson: !flags.has("no-json"),
    keepTemp: flags.has("keep-temp"),
    databaseUrl: process.env.DATABASE_URL?.trim() || undefined,
  };
}
