import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONTRACT_CODES } from "../src/graphql/errors";
import { DEFAULT_LIMITS } from "../src/graphql/limits";
import { errorCodes, startTestServer, type TestServer } from "./support/server";

const MAX_BODY_BYTES = 64 * 1024;

let t: TestServer;
let companyId: string;

beforeAll(async () => {
  t = await startTestServer({ MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  const [row] = await t.app.database.dataSource.query(`INSERT INTO company (name) VALUES ('Deep Co') RETURNING id`);
  companyId = String(row.id);
  await t.app.database.dataSource.query(`INSERT INTO finance (company_id, year, q1_earnings) VALUES ($1, 2024, 1)`, [companyId]);
});
afterAll(async () => {
  await t?.stop();
});

interface RawResponse {
  status: number;
  contentType: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  text: string;
  statements: number;
}

/** POSTs raw bytes to /graphql as the ADMIN, with the given headers. */
async function post(body: string, headers: Record<string, string> = { "content-type": "application/json" }): Promise<RawResponse> {
  const res = await fetch(t.url, { method: "POST", headers: { authorization: `Bearer ${t.tokens.ADMIN}`, ...headers }, body });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    body: JSON.parse(text),
    text,
    statements: Number(res.headers.get("x-sql-statements")),
  };
}

const postQuery = (query: string, variables?: unknown) => post(JSON.stringify({ query, variables }));

/** Every error of the response has one of the contract's codes; returns them. */
function contractCodes(res: { body: RawResponse["body"] }): string[] {
  const errors = res.body.errors ?? [];
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) expect(CONTRACT_CODES).toContain(error.extensions?.code);
  return errors.map((e) => String(e.extensions?.code));
}

/** `company(id) { finances { company { finances { ... id } } } }`, exactly `levels` fields deep. */
function nested(levels: number): string {
  let inner = "id";
  for (let level = levels - 1; level >= 1; level--) {
    const field = level === 1 ? `company(id: "${companyId}")` : level % 2 === 0 ? "finances" : "company";
    inner = `${field} { ${inner} }`;
  }
  return `{ ${inner} }`;
}

describe("query limits", () => {
  it(`accepts a query exactly ${DEFAULT_LIMITS.maxDepth} levels deep`, async () => {
    const res = await postQuery(nested(DEFAULT_LIMITS.maxDepth));
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });

  it("refuses a 30-level nested query with QUERY_TOO_COMPLEX, quickly and before any SQL", async () => {
    await postQuery("{ me { id } }"); // the key is now in the authentication cache
    const started = performance.now();
    const res = await postQuery(nested(30));
    const elapsed = performance.now() - started;
    expect(contractCodes(res)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(res.body.errors![0].message).toMatch(/deeper than 12 levels/);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    // At most the key lookup, should the cache have expired in between.
    expect(res.statements).toBeLessThanOrEqual(1);
    expect(elapsed).toBeLessThan(1000);
  });

  it("follows fragment spreads and inline fragments when measuring depth", async () => {
    // 15 fragments of two levels each: 30+ levels, while the operation itself looks one level deep.
    const fragments = Array.from({ length: 15 }, (_, i) =>
      i === 14
        ? `fragment F${i} on Company { finances { id } }`
        : `fragment F${i} on Company { finances { company { ... on Company { ...F${i + 1} } } } }`,
    );
    const query = `{ company(id: "${companyId}") { ...F0 } }\n${fragments.join("\n")}`;
    const res = await postQuery(query);
    expect(contractCodes(res)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(res.statements).toBeLessThanOrEqual(1);
  });

  it("refuses fragments that spread each other in a cycle with GRAPHQL_VALIDATION_FAILED", async () => {
    const res = await postQuery(`{ company(id: "1") { ...A } } fragment A on Company { finances { company { ...B } } } fragment B on Company { ...A }`);
    expect(contractCodes(res)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  const bigList = "companies(first: 500) { nodes { name finances { year q1Earnings } } }";

  it("accepts one page of 500 companies with their finances", async () => {
    const res = await postQuery(`{ ${bigList} }`);
    expect(res.body.errors).toBeUndefined();
  });

  it("refuses 50 aliases of that page with QUERY_TOO_COMPLEX before any SQL", async () => {
    await postQuery("{ me { id } }");
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: ${bigList}`).join("\n");
    const res = await postQuery(`{ ${aliases} }`);
    expect(contractCodes(res)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(res.body.errors![0].extensions).toMatchObject({ maxComplexity: DEFAULT_LIMITS.maxComplexity });
    expect(Number(res.body.errors![0].extensions!.complexity)).toBeGreaterThan(DEFAULT_LIMITS.maxComplexity);
    expect(res.statements).toBeLessThanOrEqual(1);
  });

  it("takes page sizes from variables too", async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: companies(first: $n) { nodes { name finances { year } } }`).join("\n");
    const query = `query Big($n: Int) { ${aliases} }`;
    expect(contractCodes(await postQuery(query, { n: 500 }))).toEqual(["QUERY_TOO_COMPLEX"]);
    const small = await postQuery(query, { n: 1 });
    expect(small.body.errors).toBeUndefined();
  });
});

describe("malformed operations", () => {
  it("answers GRAPHQL_PARSE_FAILED with HTTP 400 for a syntax error", async () => {
    const res = await postQuery("{ companies { totalCount }");
    expect(res.status).toBe(400);
    expect(contractCodes(res)).toEqual(["GRAPHQL_PARSE_FAILED"]);
  });

  it("answers GRAPHQL_VALIDATION_FAILED with HTTP 400 for an unknown field", async () => {
    const res = await postQuery("{ companies { totalCount revenue } }");
    expect(res.status).toBe(400);
    expect(contractCodes(res)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(res.body.errors![0].message).toMatch(/revenue/);
  });

  it.each([
    ["a string for an Int", "query($n: Int) { companies(first: $n) { totalCount } }", { n: "abc" }],
    ["an unknown enum value", "query($o: CompanyOrderBy) { companies(orderBy: $o) { totalCount } }", { o: "SIDEWAYS" }],
    ["a missing required variable", "query($id: ID!) { company(id: $id) { id } }", {}],
    ["a wrong type inside an input object", "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }", { i: { name: "X", finances: [{ year: "soon" }] } }],
  ])("answers BAD_USER_INPUT with HTTP 400 for %s", async (_label, query, variables) => {
    const res = await postQuery(query, variables);
    expect(res.status).toBe(400);
    expect(contractCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });

  it("runs nothing when a variable is wrong", async () => {
    const res = await postQuery("mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }", {
      i: { name: "Never Created", finances: [{ year: 2020, q1Earnings: "lots" }] },
    });
    expect(contractCodes(res)).toEqual(["BAD_USER_INPUT"]);
    const [row] = await t.app.database.dataSource.query(`SELECT count(*) AS n FROM company WHERE name = 'Never Created'`);
    expect(Number(row.n)).toBe(0);
  });
});

describe("malformed HTTP requests", () => {
  it("refuses a body larger than MAX_BODY_BYTES with 413 and a JSON error", async () => {
    const res = await post(JSON.stringify({ query: `{ me { id } } # ${"x".repeat(MAX_BODY_BYTES)}` }));
    expect(res.status).toBe(413);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(contractCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toMatch(String(MAX_BODY_BYTES));
  });

  it("refuses an oversized chunked body (no Content-Length) with 413 as well", async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(t.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${t.tokens.ADMIN}`, "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      const chunk = "x".repeat(16 * 1024);
      req.write(`{"query": "{ me { id } }", "pad": "`);
      for (let i = 0; i < 6; i++) req.write(chunk);
      req.end(`"}`);
    });
    expect(status).toBe(413);
    expect(contractCodes({ body: JSON.parse(text) })).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers 400 with a JSON error for a body that is not JSON", async () => {
    const res = await post(`{"query": "{ me { id } }"`);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(contractCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers 415 for a body that is not sent as JSON", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await post(JSON.stringify({ query: "{ me { id } }" }), { "content-type": contentType });
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
      expect(contractCodes(res)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it.each([
    ["no query", { method: "POST", body: JSON.stringify({ variables: {} }) }, 400],
    ["a batch (array body)", { method: "POST", body: JSON.stringify([{ query: "{ me { id } }" }]) }, 400],
    ["an unknown operationName", { method: "POST", body: JSON.stringify({ query: "query A { me { id } }", operationName: "B" }) }, 400],
    ["two operations and no operationName", { method: "POST", body: JSON.stringify({ query: "query A { me { id } } query B { me { id } }" }) }, 400],
    ["variables as a string", { method: "POST", body: JSON.stringify({ query: "{ me { id } }", variables: "{}" }) }, 400],
    ["JSON null", { method: "POST", body: "null" }, 400],
    ["PUT", { method: "PUT", body: "{}" }, 405],
    ["a mutation over GET", { method: "GET", search: `?query=${encodeURIComponent('mutation { revokeApiKey(id: "1") }')}` }, 405],
    ["a GET without a CSRF-safe header", { method: "GET", search: `?query=${encodeURIComponent("{ me { id } }")}`, bare: true }, 400],
  ])("answers %s with a JSON error carrying a contract code", async (_label, request, status) => {
    const { search = "", bare = false, ...init } = request as { method: string; body?: string; search?: string; bare?: boolean };
    const headers: Record<string, string> = { authorization: `Bearer ${t.tokens.ADMIN}` };
    if (!bare) headers["content-type"] = "application/json";
    const res = await fetch(t.url + search, { ...init, headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(contractCodes({ body: (await res.json()) as RawResponse["body"] })).toEqual(["BAD_USER_INPUT"]);
  });

  it("accepts a query over GET with a JSON content type", async () => {
    const res = await fetch(`${t.url}?query=${encodeURIComponent("{ me { username } }")}`, {
      headers: { authorization: `Bearer ${t.tokens.READER}`, "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { username: "test-reader" } } });
  });
});

describe("unexpected errors", () => {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A server whose company table has vanished: every company query fails inside the resolver. */
  async function brokenServer(nodeEnv: "production" | "development"): Promise<TestServer> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-errors-"));
    dirs.push(dataDir);
    const server = await startTestServer({ NODE_ENV: nodeEnv, DATA_DIR: dataDir, SQL_STATEMENT_HEADER: "false" });
    servers.push(server);
    await server.app.database.dataSource.query(`ALTER TABLE company RENAME TO company_moved_away`);
    return server;
  }

  it("answers INTERNAL_SERVER_ERROR in production with a fixed message and a request id, and nothing internal", async () => {
    const server = await brokenServer("production");
    const res = await server.raw("{ companies(first: 5) { totalCount nodes { name } } }");
    expect(errorCodes(res)).toEqual(["INTERNAL_SERVER_ERROR"]);
    const error = res.body.errors![0];
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(error.extensions!.requestId).toBe(requestId);
    expect(error.message).toBe(`internal error; quote request id ${requestId} when reporting it`);
    expect(Object.keys(error.extensions!).sort()).toEqual(["code", "requestId"]);
    const text = JSON.stringify(res.body);
    for (const leak of [/stack/i, /SELECT|FROM|relation/i, /company_moved_away|"company"/, /\/work\/|node_modules|\.ts\b|\.js\b/, /QueryFailedError|42P01/]) {
      expect(text).not.toMatch(leak);
    }
  });

  it("keeps the original message and the stack trace in development", async () => {
    const server = await brokenServer("development");
    const res = await server.raw("{ companies(first: 5) { totalCount nodes { name } } }");
    expect(errorCodes(res)).toEqual(["INTERNAL_SERVER_ERROR"]);
    const error = res.body.errors![0];
    expect(error.message).toMatch(/relation "company" does not exist/);
    expect(error.extensions!.requestId).toBe(res.headers.get("x-request-id"));
    expect(Array.isArray(error.extensions!.stacktrace)).toBe(true);
    expect((error.extensions!.stacktrace as string[]).join("\n")).toMatch(/QueryFailedError/);
  });
});
