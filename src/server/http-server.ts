import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { ApolloServer, ApolloServerPlugin } from "@apollo/server";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator } from "../domain/api-key/authenticator";
import type { RequestScope } from "../db/statement-counter";
import type { GraphQLContext } from "../graphql/context";
import { tagErrorRequestId, toGraphQLError } from "../graphql/errors";
import { startDashqlApollo } from "./apollo";
import type { CompiledExecutor } from "./compiled-executor";
import type { ReplicaSet } from "../db/replicas";
import { graphiqlAsset, graphiqlPage } from "./graphiql";
import type { ServerMetrics } from "./metrics";
import type { TrustedDocuments } from "./trusted-documents";
import { inOperationSpan, tagRequestSpan } from "../telemetry/operation-span";

/** Where `npm run build:web` (Vite) writes the dashboard: web/dist beside dist/. */
export const WEB_DIST = path.resolve(__dirname, "../../web/dist");

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  authenticator: ApiKeyAuthenticator;
  /** Development only: prefilled in GraphiQL and offered at /dev/demo-key. */
  demoToken?: string;
  /** Extra Apollo plugins (tests add a counting plugin; metrics and trusted documents plug in here). */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Read replicas (DATABASE_READ_URLS): query operations read there, mutation responses carry X-Dashql-Lsn. */
  replicas?: ReplicaSet;
  /** The built dashboard; WEB_DIST unless a test points elsewhere. */
  webRoot?: string;
  /** Prometheus metrics: an Apollo plugin, Fastify hooks and GET /metrics (absent with METRICS=false). */
  metrics?: ServerMetrics;
  /** Trusted documents: `documentId` requests, TRUSTED_DOCUMENTS_ONLY, compiled at start. */
  trustedDocuments?: TrustedDocuments;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly http: http.Server;
  readonly fastify: FastifyInstance;
  readonly apollo: ApolloServer<GraphQLContext>;
  readonly executor: CompiledExecutor;
  /** Stops accepting, answers every in-flight request (up to SHUTDOWN_TIMEOUT_MS), then resolves. */
  close(): Promise<void>;
}

function errorBody(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dashql</title></head>
<body><h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm install</code>, which builds it) and reload.
The API works meanwhile: <a href="/graphql">GraphiQL at /graphql</a>.</p></body></html>
`;

/**
 * Apollo's drain hook for Fastify: `apollo.stop()` closes the Fastify server,
 * which stops accepting and waits for the requests it already has. The official
 * `fastifyApolloDrainPlugin` does the same with a fixed 10 s; dashql's grace period
 * is SHUTDOWN_TIMEOUT_MS, after which the remaining connections are cut.
 */
function drainPlugin(fastify: FastifyInstance, timeoutMs: number, onDrain: () => void): ApolloServerPlugin<GraphQLContext> {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          onDrain();
          const timer = setTimeout(() => fastify.server.closeAllConnections(), timeoutMs);
          try {
            await fastify.close();
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },
  };
}

/**
 * dashql's HTTP front: Fastify with Apollo Server's official integration. GraphQL
 * at /graphql (every request, GET or POST, through Apollo's pipeline and its
 * plugins), GraphiQL for browsers at GET /graphql, /healthz, /readyz, and the
 * dashboard as static files.
 */
export async function startHttpServer(deps: HttpServerDeps): Promise<RunningServer> {
  const { config, logger, dataSource } = deps;
  const development = config.nodeEnv === "development";
  const webRoot = deps.webRoot ?? WEB_DIST;
  const demoToken = development ? deps.demoToken : undefined;

  const fastify = Fastify({
    bodyLimit: config.maxBodyBytes,
    // Longer than typical load balancer idle timeouts, so they close first.
    keepAliveTimeout: 65_000,
    requestTimeout: 120_000,
    // On close, idle keep-alive connections are closed at once; busy ones finish their request.
    forceCloseConnections: "idle",
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return (typeof given === "string" && given.slice(0, 100)) || randomUUID();
    },
    logger: false,
  });
  fastify.server.headersTimeout = 66_000;
  // Before any route: the hooks must apply to every one of them.
  deps.metrics?.instrument(fastify);

  let draining = false;
  const { apollo, executor, contextFor } = await startDashqlApollo({
    ...deps,
    plugins: [drainPlugin(fastify, config.shutdownTimeoutMs, () => (draining = true)), ...(deps.plugins ?? [])],
  });

  // Only JSON bodies: Fastify's text/plain parser is removed so such a POST is a 415, as is any other type.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(["application/json", "application/graphql-response+json"], { parseAs: "string" }, fastify.getDefaultJsonParser("error", "error"));

  // Hooks in callback style: an async hook costs a promise per request on the hot path.
  fastify.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    if (config.tracing) tagRequestSpan(request.id);
    done();
  });
  // While draining, a kept-alive connection is closed once its response is sent, so close() can finish
  // as soon as the requests it already had are answered.
  fastify.addHook("onSend", (_request, reply, payload, done) => {
    if (draining) reply.header("connection", "close");
    done(null, payload);
  });

  fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send(errorBody("BAD_USER_INPUT", `request body is larger than ${config.maxBodyBytes} bytes`));
    if (status === 415) return reply.code(415).send(errorBody("BAD_USER_INPUT", "send GraphQL requests as JSON with `Content-Type: application/json`"));
    if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      return reply.code(400).send(errorBody("BAD_USER_INPUT", "the request body is not valid JSON"));
    }
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody("BAD_USER_INPUT", error.message));
    // Anything else is mapped like every other error (a database outage is a 503 SERVICE_UNAVAILABLE); unknown ones are logged, never shown.
    const mapped = toGraphQLError(error);
    const code = String(mapped.extensions.code);
    const httpStatus = (mapped.extensions.http as { status?: number } | undefined)?.status ?? 500;
    if (code !== "INTERNAL_SERVER_ERROR") return reply.code(httpStatus).send(errorBody(code, mapped.message));
    logger.error({ err: error, requestId: request.id }, "request failed");
    return reply.code(500).send(errorBody("INTERNAL_SERVER_ERROR", `internal error; quote request id ${request.id} when reporting it`));
  });

  fastify.get("/healthz", async () => ({ status: "ok" }));
  deps.metrics?.route(fastify);

  fastify.get("/readyz", async (_request, reply) => {
    let ready = true;
    try {
      await Promise.race([
        dataSource.query("SELECT 1"),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000).unref()),
      ]);
    } catch {
      ready = false;
    }
    // Replicas never make the server unready: without them reads go to the primary.
    const replicas = deps.replicas?.status();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "database unavailable", ...(replicas ? { replicas } : {}) });
  });

  fastify.get<{ Params: { name: string } }>("/graphiql/:name", async (request, reply) => {
    const asset = graphiqlAsset(request.params.name);
    if (!asset) return reply.code(404).send(errorBody("NOT_FOUND", "no such file"));
    return reply.type(asset.type).header("cache-control", "public, max-age=86400").send(asset.body);
  });

  /** Each GraphQL request's scope: its id, and the SQL statements it ran (X-SQL-Statements, metrics). */
  const scopes = new WeakMap<object, RequestScope>();
  const apolloHandler = fastifyApolloHandler<GraphQLContext>(apollo, {
    context: async (request) => {
      try {
        const scope = scopes.get(request) ?? { statements: 0, requestId: request.id };
        const context = await contextFor(request.headers.authorization, scope);
        // Here, once the key is known and before anything is parsed: an untrusted document costs no parsing.
        deps.trustedDocuments?.checkHttpRequest(request.method, request.body, request.query as Record<string, unknown>, context.user);
        return context;
      } catch (error) {
        const coded = toGraphQLError(error);
        tagErrorRequestId(coded, request.id);
        throw coded;
      }
    },
  });

  /** GraphQL requests being worked on; capped by MAX_CONCURRENT_REQUESTS. */
  let graphqlInFlight = 0;

  fastify.route({
    method: ["GET", "POST"],
    url: "/graphql",
    // Runs before the body is read: an overloaded process refuses in microseconds and holds
    // no more memory, instead of queueing until the pool wait times out.
    onRequest: (request, reply, done) => {
      if (graphqlInFlight >= config.maxConcurrentRequests) {
        deps.metrics?.overloadRefused();
        reply.code(503).header("retry-after", "1").send(errorBody("SERVICE_UNAVAILABLE", "the server is busy; retry shortly"));
        return;
      }
      graphqlInFlight += 1;
      reply.raw.once("close", () => (graphqlInFlight -= 1));
      done();
    },
    handler: async function (request, reply) {
      // Past the body parser and the overload cap: Apollo's plugin counts it (the metrics hook counts the others).
      deps.metrics?.reachedApollo(request);
      if (request.method === "GET") {
        const query = request.query as Record<string, unknown>;
        if (query.query === undefined && (request.headers.accept ?? "").includes("text/html")) {
          return reply.type("text/html; charset=utf-8").send(graphiqlPage({ endpoint: "/graphql", demoToken }));
        }
      }
      const scope: RequestScope = { statements: 0, requestId: request.id };
      scopes.set(request, scope);
      const handle = () => apolloHandler.call(this, request as never, reply as never);
      const body = await (config.tracing ? inOperationSpan(request.id, handle) : handle());
      reply.header("cache-control", "no-store");
      if (config.sqlStatementHeader) reply.header("x-sql-statements", String(scope.statements));
      return body;
    },
  });

  fastify.route({
    method: ["PUT", "DELETE", "PATCH", "OPTIONS"],
    url: "/graphql",
    handler: async (_request, reply) => reply.code(405).header("allow", "GET, POST").send(errorBody("BAD_USER_INPUT", "use GET or POST")),
  });

  if (demoToken) {
    fastify.get("/dev/demo-key", async (_request, reply) => reply.header("cache-control", "no-store").send({ token: demoToken }));
  }

  // The dashboard, from the same origin as /graphql: the browser needs no CORS and the key never
  // leaves the origin. Vite's hashed files under /assets/ never change content, so they are cached
  // for a year; everything else must be revalidated or a deploy would keep old bundles.
  const indexFile = path.join(webRoot, "index.html");
  const webBuilt = existsSync(indexFile);
  if (webBuilt) {
    await fastify.register(fastifyStatic, {
      root: webRoot,
      wildcard: true,
      index: "index.html",
      setHeaders: (res, filePath) => {
        const immutable = filePath.startsWith(path.join(webRoot, "assets") + path.sep);
        res.setHeader("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
        res.setHeader("x-content-type-options", "nosniff");
        if (filePath.endsWith(".html")) res.setHeader("referrer-policy", "same-origin");
      },
    });
  }

  fastify.setNotFoundHandler(async (request, reply) => {
    // Only a browser navigation (Accept: text/html) to a path without a file extension gets the app:
    // the app's own routes (/companies/7) survive a reload, and an API client asking for JSON keeps
    // getting a JSON 404 it can parse.
    const pathname = request.url.split("?")[0];
    const navigation =
      (request.method === "GET" || request.method === "HEAD") &&
      (pathname === "/" || ((request.headers.accept ?? "").includes("text/html") && path.extname(pathname) === ""));
    if (navigation) {
      reply.header("cache-control", "no-cache").header("x-content-type-options", "nosniff").header("referrer-policy", "same-origin");
      if (!webBuilt) return reply.code(503).type("text/html; charset=utf-8").send(NOT_BUILT);
      return reply.type("text/html; charset=utf-8").sendFile("index.html");
    }
    return reply.code(404).send(errorBody("NOT_FOUND", `no route ${pathname}; GraphQL is at /graphql`));
  });

  await fastify.listen({ port: config.port, host: config.host });
  const port = (fastify.server.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    http: fastify.server,
    fastify,
    apollo,
    executor,
    // apollo.stop() runs the drain plugin (Fastify's close: stop accepting, finish in-flight requests), then stops Apollo.
    close: () => (closing ??= apollo.stop()),
  };
}
