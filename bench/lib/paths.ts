import path from "node:path";

import { ROOT } from "../../test/support/paths";

export { ROOT };
/**
 * The dashql under test. BENCH_DASHQL_CLI points the servers at another build
 * (e.g. the last commit built in a temp dir) to measure before/after in one run.
 */
export const CLI = process.env.BENCH_DASHQL_CLI ? path.resolve(process.env.BENCH_DASHQL_CLI) : path.join(ROOT, "bin/dashql.js");
export const RESULTS_DIR = path.join(ROOT, "bench/results");
/** Compiled bench scripts live next to this file's directory. */
export const BENCH_DIST = path.resolve(__dirname, "..");
/** bench/ in the source tree: plain scripts run from there (PostGraphile's server). */
export const BENCH_SRC = path.join(ROOT, "bench");
