import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "../src/graphql/context";
import { errorCodes, startTestServer, type TestServer } from "./support/server";

/** What one request looked like to an Apollo plugin. */
interface Seen {
  operation: string | undefined;
  operationName: string | null | undefined;
  method: string | undefined;
  errors: (string | undefined)[];
}

/**
 * A plugin that records every request it is shown. dashql has one execution
 * pipeline: whatever the transport or the outcome, Apollo's plugins see it, so
 * metrics, trusted documents and tracing cannot be bypassed.
 */
function countingPlugin(seen: Seen[]): ApolloServerPlugin<GraphQLContext> {
  return {
    // A bad key fails the request while its context is built, before requestDidStart: Apollo tells plugins here.
    async contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      seen.push({ operation: undefined, operationName: undefined, method: undefined, errors: [code] });
    },
    async requestDidStart({ request }) {
      const entry: Seen = { operation: undefined, operationName: undefined, method: request.http?.method, errors: [] };
      seen.push(entry);
      return {
        async didResolveOperation({ operation, operationName }) {
          entry.operation = operation?.operation;
          entry.operationName = operationName;
        },
        async didEncounterErrors({ errors }) {
          // Raw errors, before formatError gives domain errors their contract code.
          entry.errors.push(...errors.map((e) => (e.extensions?.code ?? (e.originalError as { code?: string } | undefined)?.code) as string | undefined));
        },
      };
    },
  };
}

describe("one request pipeline", () => {
  const seen: Seen[] = [];
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, { plugins: [countingPlugin(seen)] });
  });
  afterAll(() => t.stop());
  beforeEach(() => {
    seen.length = 0;
  });

  it("shows a plugin every query, mutation, GET request and error", async () => {
    const query = await t.raw("query Dashboard { companies(first: 5) { nodes { name finances { year } } } }");
    expect(query.status).toBe(200);

    const mutation = await t.raw('mutation Create { createCompany(input: { name: "Pipeline Co" }) { id } }', {}, { role: "WRITER" });
    expect(mutation.body.errors).toBeUndefined();

    const get = await fetch(`${t.url}?query=${encodeURIComponent("query Me { me { username } }")}`, {
      headers: { authorization: `Bearer ${t.tokens.READER}`, "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(200);

    const forbidden = await t.raw("query Users { users { id } }", {}, { role: "READER" });
    expect(errorCodes(forbidden)).toEqual(["FORBIDDEN"]);

    const invalid = await t.raw("query Broken { companies { nope } }");
    expect(errorCodes(invalid)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);

    expect(seen.map(({ operation, operationName, method }) => ({ operation, operationName, method }))).toEqual([
      { operation: "query", operationName: "Dashboard", method: "POST" },
      { operation: "mutation", operationName: "Create", method: "POST" },
      { operation: "query", operationName: "Me", method: "GET" },
      { operation: "query", operationName: "Users", method: "POST" },
      // Validation fails before an operation is resolved; the plugin still saw the request and its error.
      { operation: undefined, operationName: undefined, method: "POST" },
    ]);
    expect(seen.map((s) => s.errors)).toEqual([[], [], [], ["FORBIDDEN"], ["GRAPHQL_VALIDATION_FAILED"]]);
  });

  it("shows a plugin the requests refused before execution: a bad key and a query over the limits", async () => {
    const badKey = await t.raw("query Me { me { id } }", {}, { token: "dq_not-a-real-key" });
    expect(errorCodes(badKey)).toEqual(["UNAUTHENTICATED"]);
    const deep = await t.raw(`query Deep { companies { nodes { ${"finances { company { ".repeat(6)} id ${"} } ".repeat(6)} } } }`);
    expect(errorCodes(deep)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(seen.map((s) => s.errors)).toEqual([["UNAUTHENTICATED"], ["QUERY_TOO_COMPLEX"]]);
  });

  it("runs the dashboard's queries as compiled code, compiling each document once", async () => {
    const before = t.app.server.executor.stats();
    const text = "query Page($first: Int!) { companies(first: $first) { nodes { id name finances { year totalEarnings } } } }";
    for (const first of [1, 2, 3]) expect((await t.raw(text, { first })).status).toBe(200);
    const after = t.app.server.executor.stats();
    expect(after.compiled - before.compiled).toBe(1);
    expect(after.fallbacks).toBe(before.fallbacks);
  });

  it("answers a variable graphql-jit cannot coerce with BAD_USER_INPUT and HTTP 400, as graphql-js did", async () => {
    const text = "query One($id: ID!, $from: Int) { company(id: $id) { name finances(fromYear: $from) { year } } }";
    expect((await t.raw(text, { id: "1" })).status).toBe(200);
    const res = await t.raw(text, { id: "1", from: "not a number" });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });
});
