/**
 * Q1..Q4 and M1 under load: dashql and the floor get identical requests, and
 * PostGraphile (the peer) the same question in its own schema, from a separate
 * load-generator process; after a warm-up each, rounds alternate
 * dashql/floor/PostGraphile so background noise hits all alike, and medians are reported.
 */
import type { LoadJob } from "../load-generator";
import { check, jsonDiff, post } from "./client";
import type { BenchContext } from "./context";
import { loadRound, summarize, type RoundResult } from "./load";
import {
  canonical,
  DESCRIPTIONS,
  m1Variables,
  PEER_DOCUMENTS,
  PEER_NOTES,
  peerM1Template,
  peerRequestBody,
  peerVariables,
  requestBody,
  type OperationName,
} from "./operations";
import type { ServerProcess } from "./processes";

export interface OperationResult {
  operation: OperationName;
  description: string;
  skipped?: string;
  dashql?: RoundResult;
  floor?: RoundResult;
  dashqlRounds?: RoundResult[];
  floorRounds?: RoundResult[];
  /** dashql requests/s over the floor's. */
  ratio?: number;
  /** Difference between dashql's and the floor's answer to the same request, if any. */
  answerDiff?: string;
  /** Whether both returned the same endCursor (informational: cursors are opaque). */
  sameCursor?: boolean;
  /** PostGraphile 5 (the peer) on the same database, asked the same question in its schema. */
  peer?: RoundResult;
  peerRounds?: RoundResult[];
  /** dashql requests/s over PostGraphile's. */
  peerRatio?: number;
  /** Difference between dashql's and PostGraphile's answers (both mapped to one shape), if any. */
  peerAnswerDiff?: string;
  /** Why PostGraphile was not measured for this operation. */
  peerSkipped?: string;
  /** How PostGraphile's version of the operation differs from dashql's. */
  peerNote?: string;
  /** Why the operation was measured in a different shape than the issue states. */
  note?: string;
  /** SQL statements for the smallest and the measured page size (must be equal). */
  statementsByPageSize?: { first: number; statements: number }[];
}

/** Which root field each operation needs, to skip those this dashql does not have yet. */
export const REQUIRES: Record<OperationName, string> = { Q1: "companies", Q2: "company", Q3: "queue", Q4: "files", M1: "createCompany" };

const PAGE: Partial<Record<OperationName, number>> = { Q1: 100, Q3: 50, Q4: 100 };

/**
 * Files per queue item in Q3: the contract's default, 100, unless this dashql's
 * complexity limit refuses it (then the largest accepted, and the report says so).
 */
let q3FilesFirst = 100;

function fixedVariables(op: OperationName, first = PAGE[op]): Record<string, unknown> {
  switch (op) {
    case "Q1":
      return { first };
    case "Q3":
      return { first, filesFirst: q3FilesFirst };
    case "Q4":
      return { first, fileType: "xml" };
    default:
      return {};
  }
}

/** The load job for one server and round: fixed body, rotating ids, or unique M1 names. */
function jobFor(op: OperationName, tag: string, ctx: BenchContext, companyIds: number[], durationSec: number): Omit<LoadJob, "url"> {
  const base = { token: ctx.adminToken, connections: ctx.options.connections, durationSec };
  if (op === "Q2") return { ...base, bodies: companyIds.map((id) => requestBody("Q2", { id: String(id) })) };
  if (op === "M1") return { ...base, template: requestBody("M1", m1Variables(`Bench M1 ${tag} %N%`, 1)) };
  return { ...base, bodies: [requestBody(op, fixedVariables(op))] };
}

/** A number for the progress line; "-" for NaN (which arrives as null from the load generator when a round got no answers). */
const f = (v: number | null | undefined, digits: number) => (typeof v === "number" && !Number.isNaN(v) ? v.toFixed(digits) : "-");
const fmt = (r: RoundResult) =>
  `${f(r.requestsPerSec, 0)} req/s, p50 ${f(r.p50Ms, 1)} ms, p99 ${f(r.p99Ms, 1)} ms, ${r.errors} errors, ` +
  `${f(r.statementsPerRequest, 2)} stmts/req, RSS ${f(r.rssMb, 0)} MB, CPU ${f(r.cpuMsPerRequest, 2)} ms/req`;

/** PostGraphile's load job: its own documents, same variables, rotating ids, unique M1 names and ids. */
let peerSlot = 10;
function peerJobFor(op: OperationName, tag: string, ctx: BenchContext, companyIds: number[], durationSec: number): Omit<LoadJob, "url"> {
  const base = { connections: ctx.options.connections, durationSec };
  if (op === "Q2") return { ...base, bodies: companyIds.map((id) => peerRequestBody("Q2", { id })) };
  if (op === "M1") {
    if (++peerSlot > 99) peerSlot = 11;
    return { ...base, template: peerM1Template(`Bench M1 ${tag} %N%`, peerSlot) };
  }
  return { ...base, bodies: [peerRequestBody(op, peerVariables(op, fixedVariables(op)))] };
}

/** dashql's and PostGraphile's answers to the same question, mapped to one shape, must agree (ids, names, times aside for M1). */
async function verifyPeer(op: OperationName, ctx: BenchContext, dashql: ServerProcess, peer: ServerProcess, result: OperationResult): Promise<void> {
  const dashqlBody = op === "Q2" ? requestBody("Q2", { id: "1" }) : op === "M1" ? requestBody("M1", m1Variables("Bench M1 verify dashql-peer", 1)) : requestBody(op, fixedVariables(op));
  const peerBody = op === "Q2" ? peerRequestBody("Q2", { id: 1 }) : op === "M1" ? peerM1Template("Bench M1 verify peer %N%", 10).replaceAll("%N%", "0") : peerRequestBody(op, peerVariables(op, fixedVariables(op)));
  const [d, p] = await Promise.all([post(dashql.url, dashqlBody, ctx.adminToken), post(peer.url, peerBody)]);
  const dd = canonical(op, check(d, `${op} on dashql`), false);
  const pd = canonical(op, check(p, `${op} on PostGraphile`), true);
  result.peerAnswerDiff = jsonDiff(dd, pd, "data");
  if (result.peerAnswerDiff) ctx.log(`  ${op}: dashql and PostGraphile answer differently: ${result.peerAnswerDiff}`);
}

/** Same request to both servers: the answers must agree (ids and times aside for M1). */
async function verify(op: OperationName, ctx: BenchContext, dashql: ServerProcess, floor: ServerProcess, result: OperationResult): Promise<void> {
  const body = (tag: string) =>
    op === "Q2" ? requestBody("Q2", { id: "1" }) : op === "M1" ? requestBody("M1", m1Variables(`Bench M1 verify ${tag}`, 3)) : requestBody(op, fixedVariables(op));
  const [d, f] = await Promise.all([post(dashql.url, body("dashql"), ctx.adminToken), post(floor.url, body("floor"))]);
  const dd = check(d, `${op} on dashql`);
  const fd = check(f, `${op} on the floor`);
  const ignore = (p: string) =>
    /\.endCursor$/.test(p) || (op === "M1" && /\.(id|name|createdAt|updatedAt)$/.test(p));
  result.answerDiff = jsonDiff(dd, fd, "data", ignore);
  const cursor = (x: any) => x?.companies?.pageInfo?.endCursor ?? x?.files?.pageInfo?.endCursor ?? x?.queue?.pageInfo?.endCursor;
  if (cursor(dd) !== undefined) result.sameCursor = cursor(dd) === cursor(fd);
  if (result.answerDiff) ctx.log(`  ${op}: dashql and the floor answer differently: ${result.answerDiff}`);

  const page = PAGE[op];
  if (page) {
    result.statementsByPageSize = [];
    for (const first of [1, page]) {
      const reply = await post(dashql.url, requestBody(op, fixedVariables(op, first)), ctx.adminToken);
      check(reply, `${op} first: ${first}`);
      result.statementsByPageSize.push({ first, statements: reply.statements });
    }
  }
}

/** Q3 as the issue states it may be refused as too complex; measure the largest files page that is accepted. */
async function fitQ3(ctx: BenchContext, dashql: ServerProcess, result: OperationResult): Promise<void> {
  let refusal: string | undefined;
  for (const filesFirst of [100, 50, 20, 10]) {
    q3FilesFirst = filesFirst;
    const reply = await post(dashql.url, requestBody("Q3", fixedVariables("Q3")), ctx.adminToken);
    const error = reply.body.errors?.[0];
    if (error?.extensions?.code !== "QUERY_TOO_COMPLEX") break;
    refusal ??= error.message;
  }
  if (refusal) {
    result.description = `queue(first: 50) + summary + files(first: ${q3FilesFirst})`;
    result.note = `files(first: 100) is refused: QUERY_TOO_COMPLEX "${refusal}"; measured with files(first: ${q3FilesFirst})`;
    ctx.log(`  ${result.note}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runLoadPhase(
  ctx: BenchContext,
  dashql: ServerProcess,
  floor: ServerProcess,
  peer: ServerProcess | undefined,
  companyIds: number[],
): Promise<OperationResult[]> {
  const { options } = ctx;
  const results: OperationResult[] = [];
  for (const op of ["Q1", "Q2", "Q3", "Q4", "M1"] as const) {
    if (options.operations && !options.operations.has(op)) continue;
    const result: OperationResult = { operation: op, description: DESCRIPTIONS[op] };
    results.push(result);
    if (!ctx.fields.has(REQUIRES[op])) {
      result.skipped = `not available: this dashql has no ${REQUIRES[op]} field yet`;
      ctx.log(`${op}: ${result.skipped}`);
      continue;
    }
    ctx.log(`${op} ${DESCRIPTIONS[op]}`);
    if (op === "Q3") await fitQ3(ctx, dashql, result);
    try {
      await verify(op, ctx, dashql, floor, result);
    } catch (error) {
      result.skipped = `failed before load: ${(error as Error).message}`;
      ctx.log(`  ${result.skipped}`);
      continue;
    }
    result.peerNote = PEER_NOTES[op];
    let withPeer = peer !== undefined && PEER_DOCUMENTS[op] !== undefined;
    if (!peer) result.peerSkipped = "PostGraphile did not start";
    else if (op === "Q3" && q3FilesFirst !== 100) result.peerSkipped = `dashql measured with files(first: ${q3FilesFirst})`;
    if (result.peerSkipped) withPeer = false;
    if (withPeer) {
      try {
        await verifyPeer(op, ctx, dashql, peer!, result);
      } catch (error) {
        result.peerSkipped = `PostGraphile failed before load: ${(error as Error).message}`;
        ctx.log(`  ${result.peerSkipped}`);
        withPeer = false;
      }
    }
    await loadRound(dashql, jobFor(op, "warm-dashql", ctx, companyIds, options.warmupSec));
    await loadRound(floor, jobFor(op, "warm-floor", ctx, companyIds, options.warmupSec));
    if (withPeer) await loadRound(peer!, peerJobFor(op, "warm-peer", ctx, companyIds, options.warmupSec));
    const d: RoundResult[] = [];
    const f: RoundResult[] = [];
    const p: RoundResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      d.push(await loadRound(dashql, jobFor(op, `dashql-${round}`, ctx, companyIds, options.roundSec)));
      ctx.log(`  dashql round ${round}: ${fmt(d[d.length - 1])}`);
      f.push(await loadRound(floor, jobFor(op, `floor-${round}`, ctx, companyIds, options.roundSec)));
      ctx.log(`  floor  round ${round}: ${fmt(f[f.length - 1])}`);
      if (withPeer) {
        p.push(await loadRound(peer!, peerJobFor(op, `peer-${round}`, ctx, companyIds, options.roundSec)));
        ctx.log(`  PostGraphile round ${round}: ${fmt(p[p.length - 1])}`);
      }
    }
    // Ratios are taken within each round (the servers ran back to back under the same background load),
    // then the median of those: the way ../shared/peers/compare.cjs reports them.
    const medianRatio = (other: RoundResult[]) => median(d.map((r, i) => r.requestsPerSec / other[i].requestsPerSec));
    if (p.length > 0) {
      result.peerRounds = p;
      result.peer = summarize(p);
      result.peerRatio = medianRatio(p);
      if (result.peer.firstError) ctx.log(`  first PostGraphile error: ${result.peer.firstError}`);
    }
    result.dashqlRounds = d;
    result.floorRounds = f;
    result.dashql = summarize(d);
    result.floor = summarize(f);
    result.ratio = medianRatio(f);
    if (result.dashql.firstError) ctx.log(`  first dashql error: ${result.dashql.firstError}`);
    if (result.floor.firstError) ctx.log(`  first floor error: ${result.floor.firstError}`);
  }
  return results;
}
