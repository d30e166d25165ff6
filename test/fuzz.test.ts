import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
} from "graphql";
import { ROOT } from "./support/paths";
import { useTestServer } from "./support/server";

/**
 * Property-based bad input: GraphQL documents and variables generated from the
 * emitted schema (real fields, random aliases, fragments, nesting, arguments of
 * right and wrong types, oversized and unicode strings, SQL-injection text, huge
 * lists) sent over HTTP as a WRITER or with no key. Whatever comes in, the answer
 * is a client error with a contract code, never a 500, a stack trace, SQL or a
 * path of ours, and the server stays healthy.
 *
 * Reproduce a failure with the seed and path fast-check prints (FUZZ_SEED overrides
 * the fixed seed; FUZZ_RUNS the number of runs).
 */
const schema = buildSchema(readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const t = useTestServer();

/** A generated value: JSON, plus enum literals that print bare in a document. */
type Value = null | boolean | number | string | Value[] | { [k: string]: Value } | EnumLiteral;
class EnumLiteral {
  constructor(readonly name: string) {}
}

const SQL_INJECTION = [
  "'; DROP TABLE company; --",
  "\" OR 1=1 --",
  "' OR ''='",
  "1; SELECT pg_sleep(5)",
  "%",
  "_%_",
  "\\",
  "$1",
  "' UNION SELECT token_hash FROM api_key --",
  "\u0000",
  "nul\u0000inside",
];
const ODD_STRINGS = ["", " ", "   ", "Ω≈ç√∫˜µ≤≥÷", "👩‍👩‍👧‍👦🏳️‍🌈", "\u202Eevil", "ｔｅｓｔ", "\ud800", "/abs/dir/file.xml", "C:\\dir\\f.xml", "../../etc/passwd", "\n\r\t", "null", "NaN"];
const INTS = [0, 1, -1, 2, 20, 499, 500, 501, 1000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, 2 ** 53, 1e20, 2.5];
const IDS = ["1", "2", "3", "0", "-1", "9999999999999999999999", "abc", "1.5", " 1", "1e3", "", "0x10", "Y3Vyc29y", "🙂"];
const DATES = ["2026-11-25T10:00:00Z", "1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59Z", "2026-13-45T99:99:99Z", "yesterday", "", "0", "2026-11-25"];

type Gen = fc.GeneratorValue;
const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });
const chance = (g: Gen, percent: number) => int(g, 0, 99) < percent;
const pick = <T>(g: Gen, items: readonly T[]): T => items[int(g, 0, items.length - 1)]!;
/** A deliberate mistake, never in a clean document. */
const bad = (g: Gen, build: { clean: boolean }, percent: number) => !build.clean && chance(g, percent);

/** At most one oversized string or huge list per document, and never one inside another: bodies stay under ~8 MB. */
function takeHuge(g: Gen, build: { huge: boolean } | undefined, percent: number): boolean {
  if (!build || build.huge || !chance(g, percent)) return false;
  build.huge = true;
  return true;
}

function randomString(g: Gen, build?: { huge: boolean }): string {
  if (takeHuge(g, build, 10)) {
    // Oversized: up to ~200 kB of one (possibly multi-byte) character.
    const size = pick(g, [101, 256, 1025, 65_536, 200_000]);
    return pick(g, ["x", "é", "😀", "'"]).repeat(size);
  }
  switch (int(g, 0, 5)) {
    case 0:
      return pick(g, SQL_INJECTION);
    case 1:
      return pick(g, ODD_STRINGS);
    case 2:
      return g(fc.string, { unit: "binary", maxLength: 40 });
    case 3:
      return g(fc.string, { unit: "grapheme", maxLength: 40 });
    default:
      return g(fc.string, { maxLength: 20 });
  }
}

/** A value of the wrong kind for whatever is expected. */
function wrongValue(g: Gen): Value {
  switch (int(g, 0, 7)) {
    case 0:
      return null;
    case 1:
      return chance(g, 50);
    case 2:
      return pick(g, INTS);
    case 3:
      return randomString(g);
    case 4:
      return g(fc.double, { noNaN: true, noDefaultInfinity: true });
    case 5:
      return { unknownField: pick(g, INTS) };
    case 6:
      return [pick(g, INTS), randomString(g)];
    default:
      return new EnumLiteral(pick(g, ["ADMIN", "NOPE", "true", "QUEUED"]));
  }
}

/** A value for `type`, usually right, sometimes (not in a clean document) wrong at any level. */
function inputValue(g: Gen, type: GraphQLInputType, build: Build, depth = 0): Value {
  if (bad(g, build, 8)) return wrongValue(g);
  if (isNonNullType(type)) return inputValue(g, type.ofType, build, depth);
  if (isListType(type)) {
    if (takeHuge(g, build, 6)) {
      // A huge list: one element repeated (building 20,000 distinct ones only slows the run).
      const element = inputValue(g, type.ofType, build, depth + 1);
      return Array(pick(g, [1_001, 10_001, 20_000])).fill(element);
    }
    return Array.from({ length: int(g, 0, 3) }, () => inputValue(g, type.ofType, build, depth + 1));
  }
  if (isInputObjectType(type)) {
    const out: Record<string, Value> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) ? !bad(g, build, 5) : chance(g, 50)) out[field.name] = inputValue(g, field.type, build, depth + 1);
    }
    if (bad(g, build, 5)) out.notAField = 1;
    return out;
  }
  if (isEnumType(type)) {
    return new EnumLiteral(bad(g, build, 15) ? "NOT_A_VALUE" : pick(g, type.getValues().map((v) => v.name)));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
      case "SafeInt": {
        const n = chance(g, 70) ? pick(g, INTS) : g(fc.integer);
        if (!build.clean) return n;
        const limit = type.name === "Int" ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
        return Number.isInteger(n) && Math.abs(n) <= limit ? n : 7;
      }
      case "Float":
        return chance(g, 50) ? pick(g, [0, -0.5, 1e308, -1e308, 123456.789]) : g(fc.double, { noNaN: true, noDefaultInfinity: true });
      case "Boolean":
        return chance(g, 50);
      case "ID":
        return pick(g, IDS);
      case "DateTime":
        return pick(g, build.clean ? DATES.slice(0, 3) : DATES);
      default:
        return randomString(g, build);
    }
  }
  return wrongValue(g);
}

function printLiteral(value: Value): string {
  if (value instanceof EnumLiteral) return value.name;
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "0";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(printLiteral).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${printLiteral(v)}`)
    .join(", ")}}`;
}

function toJson(value: Value): unknown {
  if (value instanceof EnumLiteral) return value.name;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

interface Build {
  /** An oversized string or a huge list is in already. */
  huge: boolean;
  /** A clean document passes validation (values may still be refused by resolvers); others may fail anywhere. */
  clean: boolean;
  variables: Record<string, unknown>;
  declarations: string[];
  fragments: string[];
  maxDepth: number;
}

/** Arguments of a field: some left out, some inline literals, some variables (declared right or wrong). */
function printArgs(g: Gen, args: readonly GraphQLArgument[], build: Build): string {
  const parts: string[] = [];
  for (const arg of args) {
    if (isNonNullType(arg.type) ? bad(g, build, 5) : chance(g, 60)) continue;
    const value = inputValue(g, arg.type, build);
    if (chance(g, 40)) {
      const name = `v${build.declarations.length}`;
      const declared = bad(g, build, 15) ? pick(g, ["String", "Int!", "[ID!]!", "Boolean", "DateTime", "NoSuchType"]) : String(arg.type);
      build.declarations.push(`$${name}: ${declared}`);
      if (!bad(g, build, 5)) build.variables[name] = toJson(value);
      parts.push(`${arg.name}: $${name}`);
    } else {
      parts.push(`${arg.name}: ${printLiteral(value)}`);
    }
  }
  if (bad(g, build, 3)) parts.push(`notAnArgument: 1`);
  return parts.length > 0 ? `(${parts.join(", ")})` : "";
}

function selectionSet(g: Gen, type: GraphQLObjectType, depth: number, build: Build, exclude: readonly string[] = []): string {
  const fields = Object.values(type.getFields()).filter((f) => !exclude.includes(f.name));
  const parts: string[] = [];
  const responseNames = new Set<string>();
  for (let i = int(g, 1, 3); i > 0; i--) {
    const field = pick(g, fields);
    let alias = chance(g, 25) ? `${pick(g, ["a", "b", "alias_", "x"])}${int(g, 0, 9)}: ` : "";
    // The same response name with other arguments fails validation ("fields conflict"): only in unclean documents.
    if (build.clean && responseNames.has(alias ? alias.slice(0, -2) : field.name)) alias = `u${responseNames.size}_${build.declarations.length}: `;
    responseNames.add(alias ? alias.slice(0, -2) : field.name);
    let text = `${alias}${field.name}${printArgs(g, field.args, build)}`;
    const named = getNamedType(field.type);
    if (isObjectType(named)) {
      text += depth >= build.maxDepth && !chance(g, 10) ? " { __typename }" : ` ${selectionSet(g, named, depth + 1, build)}`;
    } else if (bad(g, build, 3)) {
      text += " { oops }";
    }
    if (chance(g, 10)) text = `... on ${type.name} { ${text} }`;
    else if (chance(g, 8)) {
      const name = `F${build.fragments.length}`;
      build.fragments.push(`fragment ${name} on ${type.name} { ${text} }`);
      text = `...${name}`;
    }
    parts.push(text);
  }
  if (chance(g, 10)) parts.push("__typename");
  if (bad(g, build, 3)) parts.push("fieldThatDoesNotExist");
  return `{ ${parts.join(" ")} }`;
}

interface FuzzRequest {
  auth: "WRITER" | "none";
  /** Generated to pass validation (see Build.clean). */
  clean: boolean;
  body: string;
}

const requestArb: fc.Arbitrary<FuzzRequest> = fc.gen().map((g) => {
  const mutation = chance(g, 35);
  const clean = chance(g, 55);
  const build: Build = { huge: false, clean, variables: {}, declarations: [], fragments: [], maxDepth: pick(g, [1, 2, 3, 4, 6, 14]) };
  // revokeApiKey could revoke the fuzzing WRITER's own key and turn the rest of the run into 401s.
  const root = mutation ? schema.getMutationType()! : schema.getQueryType()!;
  const selection = selectionSet(g, root, 1, build, ["revokeApiKey"]);
  const declarations = build.declarations.length > 0 ? `(${build.declarations.join(", ")})` : "";
  let query = `${mutation ? "mutation" : "query"} Fuzz${declarations} ${selection}\n${build.fragments.join("\n")}`;
  if (!clean && chance(g, 10)) {
    // Malformed text: cut short, or a stray character somewhere.
    const at = int(g, 0, query.length);
    query = chance(g, 50) ? query.slice(0, at) : query.slice(0, at) + pick(g, ["{", "}", "(", "$", "\"", "@", "…"]) + query.slice(at);
  }
  let variables: unknown = build.variables;
  if (!clean && chance(g, 4)) variables = pick(g, [[], "vars", 42, { extra: randomString(g) }]);
  const body: Record<string, unknown> = { query, variables };
  if (!clean && chance(g, 4)) body.operationName = pick(g, ["Fuzz", "Other", "", 7]);
  return { auth: chance(g, 20) ? "none" : "WRITER", clean, body: JSON.stringify(body) } satisfies FuzzRequest;
});

/** Text that would betray internals, unless the client sent it itself. */
const LEAKS = ["    at ", "/work/", "node_modules", ".ts:", ".js:", "SELECT ", "INSERT INTO", "DELETE FROM", "UPDATE ", " WHERE ", "ON CONFLICT", "QueryFailedError", "TypeORM", "syntax error at or near", "violates", "relation \""];

async function send(request: FuzzRequest) {
  const res = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(request.auth === "WRITER" ? { authorization: `Bearer ${t.tokens.WRITER}` } : {}) },
    body: request.body,
  });
  return { status: res.status, text: await res.text() };
}

/** Every way an answer can be wrong; empty when it is fine. */
function problems(request: FuzzRequest, status: number, text: string): string[] {
  const found: string[] = [];
  if (status >= 500) found.push(`HTTP ${status}`);
  let body: { errors?: { message?: string; extensions?: { code?: unknown } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    return [...found, `answer is not JSON: ${text.slice(0, 200)}`];
  }
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== "string") found.push(`error without a code: ${error.message}`);
    else if (code === "INTERNAL_SERVER_ERROR") found.push(`INTERNAL_SERVER_ERROR: ${error.message}`);
  }
  for (const leak of LEAKS) {
    if (text.includes(leak) && !request.body.includes(JSON.stringify(leak).slice(1, -1))) found.push(`answer contains ${JSON.stringify(leak)}`);
  }
  return found;
}

describe("generated GraphQL documents and variables", () => {
  it(`never get a 500, an INTERNAL_SERVER_ERROR, a stack trace, SQL or a path (${RUNS} runs, seed ${SEED})`, async () => {
    const codes = new Map<string, number>();
    const slowest = { ms: 0, bytes: 0, status: 0 };
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        const started = performance.now();
        const { status, text } = await send(request);
        const ms = performance.now() - started;
        if (ms > slowest.ms) Object.assign(slowest, { ms: Math.round(ms), bytes: request.body.length, status });
        const found = problems(request, status, text);
        for (const code of text.match(/"code":"[A-Z_]+"/g) ?? ["no error"]) codes.set(code, (codes.get(code) ?? 0) + 1);
        if (found.length > 0) {
          throw new Error(`${found.join("; ")}\nstatus ${status}\nrequest: ${request.body.slice(0, 1500)}\nanswer: ${text.slice(0, 1500)}`);
        }
      }),
      // Shrinking re-sends requests; the time limit keeps a failing run bounded (the failure is still reported).
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 60_000 },
    );
    // The generator reaches past validation into resolvers: domain errors, not only parse/validation ones.
    expect([...codes.keys()]).toEqual(expect.arrayContaining([`"code":"GRAPHQL_VALIDATION_FAILED"`, `"code":"BAD_USER_INPUT"`]));
    console.log(`fuzz error codes seen: ${JSON.stringify(Object.fromEntries(codes))}; slowest request: ${JSON.stringify(slowest)}`);
  }, 120_000);

  it("answers a NUL character in a string that reaches PostgreSQL with BAD_USER_INPUT (found by this fuzzer)", async () => {
    const res = await t.raw(`query ($host: String) { files(filter: { host: $host }) { totalCount } }`, { host: "nul\u0000inside" }, { role: "WRITER" });
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(res.body)).not.toMatch(/0x00|invalid byte sequence|UTF8/);
  });

  it("refuses a document of more than 50,000 tokens at once, before any work (found by this fuzzer)", async () => {
    // 20,000 inline input objects: about 10 s of CPU to parse, validate and estimate before the fix.
    const company = `{ name: "n", ceo: "c", finances: [{ year: 2020, q1Earnings: 1.5 }] }`;
    const query = `mutation { importCompanies(companies: [${Array(20_000).fill(company).join(", ")}]) { companiesCreated } }`;
    const started = performance.now();
    const res = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    const ms = performance.now() - started;
    expect(res.status).toBe(400);
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(body.errors[0]!.message).toMatch(/50000 tokens/);
    expect(ms).toBeLessThan(3000);
  });

  it("leaves the server healthy and the schema intact", async () => {
    const health = await fetch(new URL("/healthz", t.url));
    expect(health.status).toBe(200);
    const res = await t.raw(`{ companies(first: 1) { totalCount } me { role } }`, {}, { role: "WRITER" });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me.role).toBe("WRITER");
    const [row] = await t.app.database.dataSource.query(
      `SELECT to_regclass('public.company') IS NOT NULL AS company, to_regclass('public.api_key') IS NOT NULL AS api_key`,
    );
    expect(row).toEqual({ company: true, api_key: true });
  });
});
