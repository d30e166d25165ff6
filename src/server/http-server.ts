import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator } from "../domain/api-key/authenticator";
import { DomainError, isDatabaseUnavailable } from "../domain/shared/errors";
import { currentScope, withRequestScope } from "../db/statement-counter";
import { contextFromAuthorization, type GraphQLContext } from "../graphql/context";
import { createFormatError, domainErrorToGraphQL } from "../graphql/errors";
import { PARSE_OPTIONS, queryLimitsPlugin } from "../graphql/limits";
import { buildDashqlSchema } from "../graphql/schema";
import { graphiqlAsset, graphiqlPage } from "./graphiql";
import { createLeanExecutor } from "./lean-executor";
import { createStaticWeb } from "./static-web";

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
  /** Development only: prefilled in GraphiQL. */
  demoToken?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly http: http.Server;
  /** Stops accepting, answers every in-flight request, then resolves. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "BAD_USER_INPUT",
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** Reads the body up to `limit` bytes; a larger body is refused with 413 before it is buffered. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body is larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body is larger than ${limit} bytes`));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * dashql's HTTP front: GraphQL at /graphql (Apollo Server 5 driven through
 * `executeHTTPGraphQLRequest` on plain node:http, with no web framework in the hot
 * path), GraphiQL for browsers at GET /graphql, /healthz and /readyz.
 */
export async function startHttpServer(deps: HttpServerDeps): Promise<RunningServer> {
  const { config, logger, dataSource, authenticator } = deps;
  const schema = await buildDashqlSchema();
  const development = config.nodeEnv === "development";
  const formatError = createFormatError({ exposeInternals: development, logger, requestId: () => currentScope()?.requestId });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: development,
    // dashql's own shutdown drains requests first; Apollo must not stop on the signal itself.
    stopOnTerminationSignals: false,
    parseOptions: PARSE_OPTIONS,
    formatError,
    // The cache-control plugin wraps every field resolver to collect hints dashql never sets
    // (measured: ~10% of the CPU of a 100-company page); `cache-control: no-store` is set below instead.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), queryLimitsPlugin(schema)],
  });
  await apollo.start();
  const lean = createLeanExecutor(schema, { formatError, includeStacktrace: development });
  const serveWeb = createStaticWeb({ demoToken: development ? deps.demoToken : undefined });

  let draining = false;
  let inFlight = 0;
  /** GraphQL requests being worked on; capped by MAX_CONCURRENT_REQUESTS. */
  let graphqlInFlight = 0;
  let drained: (() => void) | undefined;

  const readiness = async (): Promise<boolean> => {
    try {
      await Promise.race([
        dataSource.query("SELECT 1"),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000).unref()),
      ]);
      return true;
    } catch {
      return false;
    }
  };

  const contextDeps = { dataSource, authenticator, logger };

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => {
    let body: unknown = undefined;
    if (req.method === "POST") {
      const raw = await readBody(req, config.maxBodyBytes);
      const contentType = req.headers["content-type"] ?? "";
      if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) {
        throw new HttpError(415, "send GraphQL requests as JSON with `Content-Type: application/json`");
      }
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpError(400, "the request body is not valid JSON");
      }
    }
    const scope = { statements: 0, requestId };
    // Built at most once per request, lean path or Apollo: when the lean path could not build it (a bad key, the
    // database down), Apollo answers the same failure instead of authenticating again and waiting out the pool again.
    let context: Promise<GraphQLContext> | undefined;
    const createContext = () => (context ??= contextFromAuthorization(contextDeps, req.headers.authorization, requestId));
    if (req.method === "POST") {
      const answer = await withRequestScope(scope, () => lean.tryExecute(body, req.headers.accept, createContext));
      if (answer !== undefined) {
        const { text, contentType } = answer;
        const headers: Record<string, string | number> = {
          "content-type": contentType,
          "content-length": Buffer.byteLength(text),
          "cache-control": "no-store",
          "x-request-id": requestId,
        };
        if (config.sqlStatementHeader) headers["x-sql-statements"] = String(scope.statements);
        res.writeHead(200, headers);
        res.end(text);
        return;
      }
      scope.statements = 0; // Apollo answers it (again): count only its statements
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await withRequestScope(scope, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context: async () => {
          try {
            return await createContext();
          } catch (error) {
            // Apollo turns a non-GraphQLError thrown here into a 500 "Context creation failed".
            if (error instanceof DomainError) {
              const status = error.code === "UNAUTHENTICATED" ? 401 : 400;
              const graphqlError = domainErrorToGraphQL(error);
              throw new GraphQLError(graphqlError.message, { extensions: { ...graphqlError.extensions, http: { status } } });
            }
            if (isDatabaseUnavailable(error)) {
              throw new GraphQLError("the database is unavailable; retry shortly", {
                extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } },
              });
            }
            throw error;
          }
        },
      }),
    );
    res.setHeader("cache-control", "no-store");
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.setHeader("x-request-id", requestId);
    if (config.sqlStatementHeader) res.setHeader("x-sql-statements", String(scope.statements));
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = (typeof req.headers["x-request-id"] === "string" && req.headers["x-request-id"].slice(0, 100)) || randomUUID();
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (url.pathname === "/healthz") {
        sendJson(res, 200, { status: "ok" });
      } else if (url.pathname === "/readyz") {
        const ready = !draining && (await readiness());
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : draining ? "shutting down" : "database unavailable" });
      } else if (url.pathname.startsWith("/graphiql/") && req.method === "GET") {
        const asset = graphiqlAsset(url.pathname.slice("/graphiql/".length));
        if (!asset) return sendError(res, 404, "NOT_FOUND", "no such file");
        res.writeHead(200, { "content-type": asset.type, "cache-control": "public, max-age=86400" });
        res.end(asset.body);
      } else if (url.pathname === "/graphql") {
        const wantsHtml = req.method === "GET" && !url.searchParams.has("query") && (req.headers.accept ?? "").includes("text/html");
        if (wantsHtml) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          res.end(graphiqlPage({ endpoint: "/graphql", demoToken: development ? deps.demoToken : undefined }));
        } else if (req.method === "GET" || req.method === "POST") {
          if (graphqlInFlight >= config.maxConcurrentRequests) {
            // Refused before the body is read: an overloaded process answers in microseconds
            // and holds no more memory, instead of queueing until the pool wait times out.
            req.resume();
            return sendError(res, 503, "SERVICE_UNAVAILABLE", "the server is busy; retry shortly", {
              "retry-after": "1",
              "x-request-id": requestId,
            });
          }
          graphqlInFlight += 1;
          try {
            await handleGraphQL(req, res, url, requestId);
          } finally {
            graphqlInFlight -= 1;
          }
        } else {
          sendError(res, 405, "BAD_USER_INPUT", "use GET or POST", { allow: "GET, POST" });
        }
      } else if (serveWeb(req, res, url)) {
        // the dashboard (web/dist), index.html for its routes, and /dev/demo-key in development
      } else {
        sendError(res, 404, "NOT_FOUND", `no route ${url.pathname}; GraphQL is at /graphql`);
      }
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendError(res, error.status, error.code, error.message, { "x-request-id": requestId });
      } else {
        logger.error({ err: error, requestId }, "request failed");
        sendError(res, 500, "INTERNAL_SERVER_ERROR", `internal error; quote request id ${requestId} when reporting it`, {
          "x-request-id": requestId,
        });
      }
    }
  };

  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on("close", () => {
      inFlight -= 1;
      if (draining && inFlight === 0) drained?.();
    });
    if (draining) res.setHeader("connection", "close");
    void handler(req, res);
  });
  // Longer than typical load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await stopped;
      await apollo.stop();
    })());

  return { url: `http://${shownHost}:${port}/graphql`, port, http: server, close };
}
