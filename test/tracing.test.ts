/**
 * OpenTelemetry traces from a real `dashql serve`, exported over OTLP/HTTP (JSON)
 * to a receiver in this test, as an OpenTelemetry Collector would get them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { ADMIN_TOKEN, startServerProcess, stopAllProcesses, type ServerProcess } from "./support/processes";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const SPAN_KIND_SERVER = 2;
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

/** A minimal OTLP/HTTP receiver: collects every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; services: Set<string>; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/v1/traces" && (req.headers["content-type"] ?? "").includes("json")) {
        const data = JSON.parse(body) as OtlpExport;
        for (const resource of data.resourceSpans) {
          const service = resource.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue;
          if (service) services.add(service);
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, services, close: () => new Promise((r) => server.close(() => r())) };
}

async function eventually<T>(check: () => T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("OpenTelemetry traces", () => {
  let db: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startReceiver();
    server = await startServerProcess(db.url, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_SERVICE_NAME: "dashql-tracing-test",
      LOG_LEVEL: "warn",
    });
  }, 60_000);
  afterAll(async () => {
    await stopAllProcesses();
    await receiver.close();
    await db.drop();
  });

  it("gives one trace per request: the HTTP server span, the GraphQL operation span and a span per SQL statement", async () => {
    const requestId = `trace-test-${Date.now()}`;
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, "x-request-id": requestId },
      body: JSON.stringify({ query: "query Traced { companies(first: 5) { totalCount nodes { name finances { year } } } }" }),
    });
    expect(res.status).toBe(200);
    const sqlStatements = Number(res.headers.get("x-sql-statements"));
    expect(sqlStatements).toBeGreaterThanOrEqual(2);

    const { httpSpan, operation, sql } = await eventually(() => {
      const httpSpan = receiver.spans.find((s) => s.kind === SPAN_KIND_SERVER && attribute(s, "dashql.request_id") === requestId);
      expect(httpSpan).toBeDefined();
      const inTrace = receiver.spans.filter((s) => s.traceId === httpSpan!.traceId);
      const operation = inTrace.find((s) => s.name === "query Traced");
      expect(operation).toBeDefined();
      const sql = inTrace.filter((s) => attribute(s, "db.system") === "postgresql" || attribute(s, "db.system.name") === "postgresql");
      const queries = sql.filter((s) => s.name.startsWith("pg.query"));
      expect(queries.length).toBeGreaterThanOrEqual(sqlStatements);
      return { httpSpan: httpSpan!, operation: operation!, sql: queries };
    });

    expect(receiver.services).toContain("dashql-tracing-test");
    // The operation span is the HTTP span's child and carries the operation and the request id.
    expect(operation.parentSpanId).toBe(httpSpan.spanId);
    expect(attribute(operation, "graphql.operation.type")).toBe("query");
    expect(attribute(operation, "graphql.operation.name")).toBe("Traced");
    expect(attribute(operation, "dashql.request_id")).toBe(requestId);
    // Every SQL statement descends from the operation span (directly, or through pg-pool.connect).
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    for (const statement of sql) {
      let parent = statement.parentSpanId ? byId.get(statement.parentSpanId) : undefined;
      while (parent && parent.spanId !== operation.spanId) parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
      expect(parent?.spanId).toBe(operation.spanId);
    }
    // Apollo's parse and validate are graphql-js calls the GraphQL instrumentation sees, inside the operation.
    const parse = receiver.spans.find((s) => s.traceId === httpSpan.traceId && s.name === "graphql.parse");
    expect(parse?.parentSpanId).toBe(operation.spanId);
  });

  it("puts the trace id in the log lines written during a request", async () => {
    // A NUL character reaching PostgreSQL is refused by it and logged as a warning by the server.
    const requestId = `trace-log-${Date.now()}`;
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, "x-request-id": requestId },
      body: JSON.stringify({ query: 'query Nul { companies(filter: { nameContains: "a\\u0000b" }) { totalCount } }' }),
    });
    expect(res.status).toBe(200);
    const line = await server.waitForLine(new RegExp(`"requestId":"${requestId}"`));
    const logged = JSON.parse(line) as { traceId?: string; spanId?: string };
    expect(logged.traceId).toMatch(/^[0-9a-f]{32}$/);
    const httpSpan = await eventually(() => {
      const span = receiver.spans.find((s) => s.kind === SPAN_KIND_SERVER && attribute(s, "dashql.request_id") === requestId);
      expect(span).toBeDefined();
      return span!;
    });
    expect(logged.traceId).toBe(httpSpan.traceId);
  });

  it("leaves health probes untraced", async () => {
    expect((await fetch(new URL("/healthz", server.url))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.spans.filter((s) => attribute(s, "url.path") === "/healthz" || attribute(s, "http.target") === "/healthz")).toEqual([]);
  });
});
