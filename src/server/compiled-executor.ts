import { createHash } from "node:crypto";
import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { execute, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { Logger } from "../config/logger";

/** Apollo's gateway hook: its supported way to plug an executor into its own request pipeline. */
type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;
type GatewayRequestContext = Parameters<GatewayExecutor>[0];

/**
 * Compiled queries kept, by document and operation. A dashboard sends a few dozen
 * distinct operations; an entry is a few tens of kilobytes of generated code.
 */
const MAX_COMPILED = 1000;

/** What runs a document: a graphql-jit compiled query, or graphql-js when jit could not compile it. */
type Runner = CompiledQuery | "graphql-js";

export interface CompiledExecutor {
  /** Passed to `new ApolloServer({ gateway })`; Apollo then runs every operation through `execute` below. */
  readonly gateway: Gateway;
  /** Compiles (and keeps) a document's operation ahead of time, e.g. a trusted document at start. */
  prepare(query: string, document: DocumentNode, operationName?: string | null): void;
  /** How many compiled operations are cached, and how many fell back to graphql-js: for tests and metrics. */
  stats(): { compiled: number; fallbacks: number };
}

/**
 * Execution for Apollo's pipeline: each document is compiled once with graphql-jit
 * (resolver calls, list walks and leaf serialization become straight-line code
 * generated for that query) and the compiled function is reused for every later
 * request with the same document, whatever its variables. Parsing, validation,
 * the query limits, error formatting and every plugin stay Apollo's: only the
 * `execute` step is replaced. A document graphql-jit cannot compile runs on
 * graphql-js `execute`, so behaviour never depends on the compiler.
 *
 * Subscriptions are not executed here: over HTTP they get a coded error that
 * names the WebSocket transport instead of a generic 500.
 */
export function createCompiledExecutor(schema: GraphQLSchema, logger: Logger): CompiledExecutor {
  // Map iteration order is insertion order: delete + set on use keeps it an LRU.
  const cache = new Map<string, Runner>();
  let fallbacks = 0;

  const keyOf = (hash: string, operationName: string | null | undefined) => `${operationName ?? ""}\u0000${hash}`;

  const compile = (document: DocumentNode, operationName: string | null | undefined): Runner => {
    try {
      const compiled = compileQuery(schema, document, operationName ?? undefined);
      if (isCompiledQuery(compiled)) return compiled;
      logger.debug({ errors: compiled.errors?.map((e) => e.message), operationName }, "graphql-jit could not compile; using graphql-js");
    } catch (error) {
      logger.debug({ err: error, operationName }, "graphql-jit could not compile; using graphql-js");
    }
    fallbacks += 1;
    return "graphql-js";
  };

  const runnerFor = (key: string, document: DocumentNode, operationName: string | null | undefined): Runner => {
    let runner = cache.get(key);
    if (runner !== undefined) {
      cache.delete(key);
    } else {
      runner = compile(document, operationName);
      if (cache.size >= MAX_COMPILED) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, runner);
    return runner;
  };

  // Apollo hands over the same DocumentNode for the same query text while its document cache keeps it:
  // a runner found through it needs no key string and no LRU update. Weak, so it goes with Apollo's entry.
  const byDocument = new WeakMap<DocumentNode, Map<string, Runner>>();
  const runnerOf = (document: DocumentNode, queryHash: string, operationName: string | null | undefined): Runner => {
    let runners = byDocument.get(document);
    if (!runners) byDocument.set(document, (runners = new Map()));
    const name = operationName ?? "";
    let runner = runners.get(name);
    if (runner === undefined) runners.set(name, (runner = runnerFor(keyOf(queryHash, operationName), document, operationName)));
    return runner;
  };

  const run = async (requestContext: GatewayRequestContext): Promise<ExecutionResult> => {
    const { document, operation, request, queryHash } = requestContext;
    // What the client asked for (the context's operationName is the resolved one, null when nothing matched).
    const operationName = request.operationName;
    if (!operation) {
      // No operation matches operationName: graphql-js's own errors, which Apollo answers with 400.
      return execute({ schema, document, operationName, contextValue: requestContext.context, variableValues: request.variables });
    }
    if (operation.operation === "subscription") {
      return {
        errors: [
          new GraphQLError(
            "subscriptions are served over WebSocket (the graphql-transport-ws protocol, e.g. the graphql-ws client) at this same URL, not over HTTP",
            { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
          ),
        ],
      };
    }
    const runner = runnerOf(document, queryHash, operationName);
    const variables = request.variables ?? {};
    if (runner === "graphql-js") {
      return execute({ schema, document, operationName, contextValue: requestContext.context, variableValues: variables });
    }
    const result = await runner.query(undefined, requestContext.context, variables);
    // A compiled query answers variables it cannot coerce with errors and no data, before any resolver runs.
    // graphql-js's messages are the same, but Apollo recognises them as BAD_USER_INPUT only by graphql-js's AST
    // nodes, which graphql-jit does not attach: code them here.
    if (!result.errors) return result;
    if (!("data" in result)) {
      return { errors: result.errors.map((e) => new GraphQLError(e.message, { extensions: { ...e.extensions, code: "BAD_USER_INPUT" } })) };
    }
    return { ...result, errors: result.errors.map(asGraphQLJsError) };
  };

  const gateway: Gateway = {
    async load() {
      return { executor: run as GatewayExecutor };
    },
    onSchemaLoadOrUpdate(callback) {
      // One fixed schema: announce it once. The SDL is only read by Apollo's usage reporting, which dashql does not use.
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {
      cache.clear();
    },
  };

  return {
    gateway,
    prepare(query, document, operationName) {
      // Apollo keys a request by the sha256 of its query text (queryHash): the same text finds this entry.
      runnerFor(keyOf(createHash("sha256").update(query).digest("hex"), operationName), document, operationName);
    },
    stats: () => ({ compiled: [...cache.values()].filter((r) => r !== "graphql-js").length, fallbacks }),
  };
}

/**
 * graphql-jit's errors leave `extensions` undefined where graphql-js sets `{}`
 * (copied from the original error), and Apollo's error normalisation reads
 * `extensions.code`: rebuild them the graphql-js way, keeping path, locations and
 * the original error (formatError unwraps it to find its contract code).
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
  });
}
