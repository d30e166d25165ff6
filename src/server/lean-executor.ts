import {
  execute,
  type GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { assessQueryLimits, DEFAULT_LIMITS, PARSE_OPTIONS, type QueryLimits } from "../graphql/limits";

/**
 * The hot path for what dashboards send all day: a POSTed JSON query that
 * succeeds. Apollo's request pipeline costs per request (plugin hooks around
 * every field, query hashing, header maps, response negotiation). With this
 * path, prepared reads and simpleResolvers, the bench's Q2 (one company with
 * finances) went from 2.2 to 1.5 ms of dashql CPU per request, Q1 (100
 * companies) from 36 to 24 ms.
 * This runs graphql-js `execute` directly on a parsed and validated document
 * cached by query text, with the same validation rules (graphql-js's
 * specifiedRules, which is what Apollo runs with introspection on) and the same
 * depth/complexity limits.
 *
 * It answers only queries that pass parsing, validation and the limits and
 * whose context (authentication) could be built. Anything else (a mutation, GET,
 * batched or persisted requests, an unusual Accept header, a parse or validation
 * error, a limit hit) returns `undefined` and the caller hands the request to
 * Apollo, which answers it exactly as before. Errors raised while executing are
 * formatted here the way Apollo does it (normalizeAndFormatErrors: a default
 * code, the stack in development, then the same formatError), so a failing query
 * (the database down, a statement timeout, NOT_FOUND) is executed once, not
 * again by Apollo; an error that asks for an HTTP status of its own still goes
 * to Apollo.
 */
export interface LeanExecutor {
  /**
   * Runs `body` if it is a plain query; `undefined` means "let Apollo answer".
   * `context` is only called once the request qualifies.
   */
  tryExecute(body: unknown, accept: string | undefined, context: () => Promise<unknown>): Promise<LeanAnswer | undefined>;
}

export interface LeanAnswer {
  text: string;
  contentType: string;
}

const JSON_TYPE = "application/json; charset=utf-8";
const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8";
/**
 * The Accept headers answered here, with the content type Apollo would choose for
 * them (its negotiator prefers the first listed type). The dashboard sends the
 * GraphQL-over-HTTP form; anything else (q-values, other types) goes to Apollo.
 */
const ACCEPTED: ReadonlyMap<string, string> = new Map([
  ["", JSON_TYPE],
  ["*/*", JSON_TYPE],
  ["application/json", JSON_TYPE],
  ["application/graphql-response+json", GRAPHQL_RESPONSE_TYPE],
  ["application/graphql-response+json, application/json", GRAPHQL_RESPONSE_TYPE],
  ["application/json, application/graphql-response+json", JSON_TYPE],
]);

interface Prepared {
  document: DocumentNode;
  /** Per operation name ("" for the anonymous/only one): the operation and the variables its list sizes depend on. */
  operations: Map<string, PreparedOperation>;
}

interface PreparedOperation {
  operation: OperationDefinitionNode;
  sizeVariables: string[];
  depthOk: boolean;
  /** Complexity verdicts by the JSON of the page-size variables' values. */
  verdicts: Map<string, boolean>;
}

/** Documents kept (by query text); a dashboard sends a few dozen distinct ones. */
const MAX_DOCUMENTS = 500;
/** Complexity verdicts kept per operation (one per distinct set of page sizes). */
const MAX_VERDICTS = 200;
/**
 * Longer query texts are left to Apollo and never cached here: a key is the whole
 * text, and 500 texts near the 8 MiB body limit would pin gigabytes. Dashboard
 * queries are a few kilobytes.
 */
const MAX_CACHED_QUERY_CHARS = 64 * 1024;

/** Variables used as a `first` argument anywhere: the only ones the complexity estimate reads. */
function sizeVariablesOf(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: unknown) =>
    visit(node as DocumentNode, {
      Argument(arg) {
        if (arg.name.value === "first" && arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
      },
    });
  collect(operation);
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) collect(def);
  return [...names].sort();
}

export interface LeanErrorFormatting {
  /** The same formatError Apollo is given. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Apollo's includeStacktraceInErrorResponses. */
  includeStacktrace: boolean;
}

/** What Apollo's normalizeAndFormatErrors does for one execution error. */
function formatExecutionError(error: GraphQLError, options: LeanErrorFormatting): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? "INTERNAL_SERVER_ERROR" };
  if (options.includeStacktrace) extensions.stacktrace = error.stack?.split("\n");
  const formatted = { ...error.toJSON(), extensions };
  try {
    return options.formatError(formatted, error);
  } catch {
    return options.includeStacktrace ? formatted : { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } };
  }
}

export function createLeanExecutor(schema: GraphQLSchema, errorFormatting: LeanErrorFormatting, limits: QueryLimits = DEFAULT_LIMITS): LeanExecutor {
  // `null` caches "Apollo must answer this text" (parse or validation errors), so bad queries are not re-parsed here.
  const documents = new Map<string, Prepared | null>();

  const prepare = (query: string): Prepared | null => {
    let prepared: Prepared | null = null;
    try {
      const document = parse(query, PARSE_OPTIONS);
      if (validate(schema, document, specifiedRules).length === 0) prepared = { document, operations: new Map() };
    } catch {
      prepared = null;
    }
    if (documents.size >= MAX_DOCUMENTS) documents.clear();
    documents.set(query, prepared);
    return prepared;
  };

  return {
    async tryExecute(body, accept, context) {
      const contentType = ACCEPTED.get(accept ?? "");
      if (contentType === undefined) return undefined;
      if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
      const { query, variables, operationName, extensions } = body as Record<string, unknown>;
      if (typeof query !== "string" || extensions !== undefined || query.length > MAX_CACHED_QUERY_CHARS) return undefined;
      if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
      if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) return undefined;
      const vars = (variables ?? {}) as Record<string, unknown>;

      const cached = documents.get(query);
      const prepared = cached === undefined ? prepare(query) : cached;
      if (!prepared) return undefined;
      const opKey = operationName ?? "";
      let op = prepared.operations.get(opKey);
      if (!op) {
        const operation = getOperationAST(prepared.document, operationName ?? undefined);
        if (!operation || operation.operation !== "query") return undefined;
        const depthOk = assessQueryLimits(schema, prepared.document, operation, undefined, limits, { depthOnly: true }) === undefined;
        op = { operation, sizeVariables: sizeVariablesOf(operation, prepared.document), depthOk, verdicts: new Map() };
        prepared.operations.set(opKey, op);
      }
      if (!op.depthOk) return undefined;

      // The estimate depends on the query text and the page sizes only, so verdicts are shared across ids, cursors and filters.
      const { verdicts } = op;
      const verdictKey = op.sizeVariables.length === 0 ? "" : JSON.stringify(op.sizeVariables.map((v) => vars[v]));
      let withinLimits = verdicts.get(verdictKey);
      if (withinLimits === undefined) {
        try {
          withinLimits = assessQueryLimits(schema, prepared.document, op.operation, vars, limits) === undefined;
        } catch {
          withinLimits = false;
        }
        if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
        verdicts.set(verdictKey, withinLimits);
      }
      if (!withinLimits) return undefined;

      let contextValue: unknown;
      try {
        contextValue = await context();
      } catch {
        return undefined; // Apollo turns the same failure into the right status and error
      }
      const result = await execute({ schema, document: prepared.document, contextValue, variableValues: vars, operationName: operationName ?? undefined });
      // Apollo's prettyJSONStringify, errors first: the same bytes a client got before.
      if (result.errors && result.errors.length > 0) {
        if (result.errors.some((error) => error.extensions.http !== undefined)) return undefined; // Apollo sets that status
        const errors = result.errors.map((error) => formatExecutionError(error, errorFormatting));
        return { text: JSON.stringify({ errors, data: result.data }) + "\n", contentType };
      }
      return { text: JSON.stringify(result) + "\n", contentType };
    },
  };
}
