import path from "node:path";

/** The repository root: dist-bench/lib/paths.js is two levels down. */
export const ROOT = path.resolve(__dirname, "../..");
export const CLI = path.join(ROOT, "bin/dashql.js");
export const RESULTS_DIR = path.join(ROOT, "bench/results");
/** Compiled bench scripts live next to this file's directory. */
export const BENCH_DIST = path.resolve(__dirname, "..");
