import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DASHBOARD_MANIFEST } from "../src/server/trusted-documents";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { runCli } from "./support/paths";
import { liveClient, until } from "./support/live";
import { metricValue, scrape } from "./support/prometheus";
import { startTestServer, type TestServer } from "./support/server";

const METRICS_TOKEN = "trusted-documents-metrics-token";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The dashboard's own manifest, as the build wrote it. */
const dashboard = JSON.parse(readFileSync(DASHBOARD_MANIFEST, "utf8")) as Record<string, string>;
const idOf = (operationName: string) => {
  const entry = Object.entries(dashboard).find(([, text]) => new RegExp(`^\\s*(query|mutation) ${operationName}\\b`).test(text));
  if (!entry) throw new Error(`no ${operationName} in the dashboard's manifest`);
  return entry[0];
};

/** A manifest of our own for TRUSTED_DOCUMENTS, in codegen's format (keys with and without the prefix). */
const EXTRA_QUERY = "query ExtraTrusted { me { username role } }";
const UNTRUSTED_QUERY = "query NotInAnyManifest { me { username } }";
const TRUSTED_SUBSCRIPTION = "subscription TrustedFiles { filesRegistered { host created } }";

let tmp: string;
let extraManifest: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "dashql-trusted-"));
  extraManifest = path.join(tmp, "extra.json");
  writeFileSync(extraManifest, JSON.stringify({ [sha256(EXTRA_QUERY)]: EXTRA_QUERY, [sha256(TRUSTED_SUBSCRIPTION)]: TRUSTED_SUBSCRIPTION }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(t: TestServer, body: Record<string, unknown>, role: "READER" | "ADMIN" | null = "READER"): Promise<Answer> {
  const res = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(role ? { authorization: `Bearer ${t.tokens[role]}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}
const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

describe("trusted documents, open mode", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ TRUSTED_DOCUMENTS: extraManifest });
  });
  afterAll(() => t.stop());

  it("compiles every trusted document at start, before any request", () => {
    // The dashboard's queries and mutations plus the extra manifest's one (single-operation documents compile
    // for their name and for a request without operationName).
    const operations = Object.keys(dashboard).length + 1;
    expect(t.app.server.executor.stats().compiled).toBeGreaterThanOrEqual(operations);
  });

  it("answers a dashboard documentId exactly as the same query sent as text, over POST and GET", async () => {
    const id = idOf("CompanyDetail");
    const byId = await post(t, { documentId: id, operationName: "CompanyDetail", variables: { id: "1" } });
    const byText = await post(t, { query: dashboard[id], variables: { id: "1" } });
    expect(byId.status).toBe(200);
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body).toEqual(byText.body);

    const get = await fetch(`${t.url}?documentId=${encodeURIComponent(id)}&variables=${encodeURIComponent(JSON.stringify({ id: "1" }))}`, {
      headers: { authorization: `Bearer ${t.tokens.READER}`, "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual(byText.body);
  });

  it("runs the documents of TRUSTED_DOCUMENTS manifests, by sha256:<hex> or bare <hex>", async () => {
    for (const documentId of [`sha256:${sha256(EXTRA_QUERY)}`, sha256(EXTRA_QUERY)]) {
      const res = await post(t, { documentId });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { username: "test-reader", role: "READER" } });
    }
  });

  it("answers an unknown documentId with PERSISTED_QUERY_NOT_FOUND and HTTP 404, in a GraphQL error body", async () => {
    const res = await post(t, { documentId: `sha256:${sha256("query Unknown { me { id } }")}` });
    expect(res.status).toBe(404);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([{ message: expect.stringMatching(/no trusted document/), extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }]);
    expect(codes(await post(t, { documentId: "not-a-hash" }))).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });

  it("refuses a request with both query and documentId", async () => {
    const res = await post(t, { documentId: idOf("CompanyDetail"), query: UNTRUSTED_QUERY });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
  });

  it("still runs any query text outside trusted-only mode", async () => {
    const res = await post(t, { query: UNTRUSTED_QUERY });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: { username: "test-reader" } });
  });
});

describe("TRUSTED_DOCUMENTS_ONLY=true", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ TRUSTED_DOCUMENTS: extraManifest, TRUSTED_DOCUMENTS_ONLY: "true", METRICS_TOKEN });
  });
  afterAll(() => t.stop());

  it("applies the same rules to subscribe messages: untrusted text refused, a trusted document by id served and counted", async () => {
    const live = liveClient(t.url, t.tokens.READER);
    try {
      const untrusted = live.subscribe("subscription Untrusted { filesRegistered { host } }");
      await untrusted.ended();
      expect(untrusted.errors.map((e) => e.extensions?.code)).toEqual(["OPERATION_NOT_TRUSTED"]);

      // graphql-ws requires a query string: a trusted document goes as "" with its id in extensions.
      const unknown = live.subscribe("", undefined, { documentId: `sha256:${sha256("subscription Nope { companiesChanged { id } }")}` });
      await unknown.ended();
      expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);

      const trusted = live.subscribe<{ filesRegistered: { host: string; created: number } }>("", undefined, { documentId: `sha256:${sha256(TRUSTED_SUBSCRIPTION)}` });
      await until("the trusted subscription to be registered", () => t.app.live.stats().subscriptions === 1);
      const registered = await post(t, { query: `mutation { registerFiles(files: [{ host: "trusted-h", runDir: "/r", fullName: "/r/a.xml", fileSize: 1 }]) { created } }` }, "ADMIN");
      expect(registered.body.errors).toBeUndefined();
      const [event] = await trusted.until((events) => events.length === 1);
      expect(event.filesRegistered).toEqual({ host: "trusted-h", created: 1 });
      expect(trusted.errors).toEqual([]);

      const metrics = await (await fetch(new URL("/metrics", t.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      expect(metrics).toMatch(/^dashql_subscriptions_active\{operation_name="TrustedFiles"\} 1$/m);
      expect(metrics).toMatch(/^dashql_subscription_events_total\{operation_name="TrustedFiles"\} 1$/m);
    } finally {
      await live.dispose();
    }
  });

  it("refuses query text that is not a trusted document with OPERATION_NOT_TRUSTED and HTTP 403, without parsing it", async () => {
    for (const role of ["READER", null] as const) {
      const res = await post(t, { query: UNTRUSTED_QUERY }, role);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ errors: [{ message: expect.stringMatching(/only trusted documents/), extensions: { code: "OPERATION_NOT_TRUSTED" } }] });
    }
    // Not even a syntax error or the schema's field names leak to an untrusted client.
    const garbage = await post(t, { query: "{ this is not GraphQL" });
    expect(garbage.status).toBe(403);
    expect(codes(garbage)).toEqual(["OPERATION_NOT_TRUSTED"]);
    const get = await fetch(`${t.url}?query=${encodeURIComponent(UNTRUSTED_QUERY)}`, {
      headers: { authorization: `Bearer ${t.tokens.READER}`, "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(403);
  });

  it("runs trusted documents by id, and as text when the text is exactly a trusted document", async () => {
    const byId = await post(t, { documentId: idOf("CompanyList"), variables: { first: 5 } });
    expect(byId.status).toBe(200);
    expect(byId.body.data.companies.edges).toEqual(expect.any(Array));
    const asText = await post(t, { query: EXTRA_QUERY });
    expect(asText.status).toBe(200);
    expect(asText.body.data.me.role).toBe("READER");
  });

  it("lets ADMIN keys send any text, so GraphiQL keeps working", async () => {
    const res = await post(t, { query: UNTRUSTED_QUERY }, "ADMIN");
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: { username: "test-admin" } });
  });

  it("lets no client register a document through automatic persisted queries", async () => {
    const hash = sha256(UNTRUSTED_QUERY);
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    // A READER's registration attempt is untrusted text; an ADMIN's runs but is not stored.
    expect((await post(t, { query: UNTRUSTED_QUERY, extensions })).status).toBe(403);
    expect((await post(t, { query: UNTRUSTED_QUERY, extensions }, "ADMIN")).status).toBe(200);
    const byHash = await post(t, { extensions });
    expect(codes(byHash)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    expect(byHash.body.data).toBeUndefined();
    // A trusted document is found by its hash.
    const trusted = await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(EXTRA_QUERY) } } });
    expect(trusted.status).toBe(200);
    expect(trusted.body.data.me.username).toBe("test-reader");
  });

  it("counts refused requests in the metrics under their code (the refusal goes through Apollo's plugins)", async () => {
    const metricsUrl = new URL("/metrics", t.url).href;
    const before = metricValue(await scrape(metricsUrl, METRICS_TOKEN), "dashql_graphql_requests_total", { code: "OPERATION_NOT_TRUSTED" });
    await post(t, { query: UNTRUSTED_QUERY });
    await post(t, { query: UNTRUSTED_QUERY });
    const after = metricValue(await scrape(metricsUrl, METRICS_TOKEN), "dashql_graphql_requests_total", { code: "OPERATION_NOT_TRUSTED" });
    expect(after - before).toBe(2);
  });
});

describe("a bad manifest", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const serve = (manifest: string) =>
    runCli(["--database-url", db.url, "serve"], { env: { TRUSTED_DOCUMENTS: manifest, PORT: "0", HOST: "127.0.0.1" }, timeoutMs: 60_000 });

  it("stops the server at start with exit code 3 and a message naming the document", async () => {
    const broken = "query Broken { companies { noSuchField } }";
    const file = path.join(tmp, "broken.json");
    writeFileSync(file, JSON.stringify({ [`sha256:${sha256(EXTRA_QUERY)}`]: EXTRA_QUERY, [`sha256:${sha256(broken)}`]: broken }));
    const result = await serve(file);
    expect(result.code).toBe(3);
    expect(result.stdout).not.toMatch(/ready/);
    expect(result.stderr).toContain(`trusted document sha256:${sha256(broken)} (broken.json): GRAPHQL_VALIDATION_FAILED: Cannot query field "noSuchField"`);
  });

  it("refuses a manifest whose id is not the sha256 of its text, or a file that is missing (exit code 3)", async () => {
    const file = path.join(tmp, "mismatch.json");
    writeFileSync(file, JSON.stringify({ [`sha256:${sha256("something else")}`]: EXTRA_QUERY }));
    const mismatch = await serve(file);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain(`document sha256:${sha256("something else")}: the id is not the sha256 of its query text`);
    const missing = await serve(path.join(tmp, "nowhere.json"));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/TRUSTED_DOCUMENTS: cannot read .*nowhere\.json/);
  });
});
