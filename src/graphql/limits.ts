import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import { MAX_PAGE_SIZE } from "../domain/shared/pagination";

export interface QueryLimits {
  /** Deepest field nesting accepted (the contract's deepest useful query is about 6). */
  maxDepth: number;
  /** Estimated fields resolved, with lists multiplied by their page size. */
  maxComplexity: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxComplexity: 250_000 };

/**
 * Most lexical tokens a GraphQL document may have: graphql-js stops parsing past
 * it (GRAPHQL_PARSE_FAILED, 400). Found by test/fuzz.test.ts: a 2.8 MB document of
 * 20,000 inline input objects cost ~10 s of CPU (parse ~2 s, validation ~1 s,
 * complexity ~0.8 s, then coercion), on the event loop and before any key check.
 * The contract's operations are a few hundred tokens; big batches belong in
 * variables, which are JSON and parse in milliseconds.
 */
export const MAX_DOCUMENT_TOKENS = 50_000;
/** graphql-js `parse` options for every parse of a client document. */
export const PARSE_OPTIONS = { maxTokens: MAX_DOCUMENT_TOKENS } as const;

/** A list field without `first` is assumed to hold this many items (e.g. a company's finance years). */
const UNPAGED_LIST_SIZE = 10;
/**
 * An aggregate list (financeAggregates, runAggregates, fileAggregates) has no `first`: it holds up
 * to 10,000 groups, typically a few hundred (90 days x 5 statuses). Counted as this many.
 */
const AGGREGATE_LIST_SIZE = 500;

// Errors thrown from didResolveOperation default to HTTP 500 in Apollo; these are the client's fault.
function tooComplex(message: string, extra: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX", ...extra, http: { status: 400 } } });
}

/** Depth of the operation, following fragments; stops counting as soon as the limit is passed. */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode, limit: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const walk = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
    if (!set || depth > limit) return depth;
    let max = depth;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue; // introspection is bounded by the schema
        max = Math.max(max, sel.selectionSet ? walk(sel.selectionSet, depth + 1, seen) : depth + 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, walk(sel.selectionSet, depth, seen));
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) max = Math.max(max, walk(fragment.selectionSet, depth, new Set(seen).add(name)));
      }
      if (max > limit) return max;
    }
    return max;
  };
  return walk(operation.selectionSet, 0, new Set());
}

/**
 * Lists cost their children times `first` (capped at the contract's 500: a
 * larger `first` is refused by the resolver as BAD_USER_INPUT, not here).
 * Aliases are separate fields, so aliasing a list ten times costs ten lists.
 */
const pagedListEstimator: ComplexityEstimator = ({ args, childComplexity, field, type }) => {
  // A connection's nodes/edges are its page, already multiplied by the connection's `first`:
  // counting them as unpaged lists too (x10) refused 50 queue items x 100 files (the dashboard's queue page).
  if (type.name.endsWith("Connection") && (field.name === "nodes" || field.name === "edges")) return 1 + childComplexity;
  const typeName = String(field.type);
  const isList = typeName.includes("[") || typeName.endsWith("Connection") || typeName.endsWith("Connection!");
  if (!isList) return undefined;
  const unpaged = field.name.endsWith("Aggregates") ? AGGREGATE_LIST_SIZE : UNPAGED_LIST_SIZE;
  const first = typeof args.first === "number" ? Math.min(Math.max(args.first, 1), MAX_PAGE_SIZE) : unpaged;
  return 1 + first * Math.max(childComplexity, 1);
};

/**
 * The limits verdict for one operation: undefined when it may run, else the
 * error to answer with. `depthOnly` skips the complexity estimate (it needs the
 * variables). Shared by the Apollo plugin and the lean executor.
 */
export function assessQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits = DEFAULT_LIMITS,
  options: { depthOnly?: boolean; operationName?: string } = {},
): GraphQLError | undefined {
  const depth = operationDepth(document, operation, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return tooComplex(`query is nested deeper than ${limits.maxDepth} levels`, { maxDepth: limits.maxDepth });
  }
  if (options.depthOnly) return undefined;
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: document,
      operationName: operation.name?.value ?? options.operationName,
      variables: variables ?? {},
      estimators: [pagedListEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (error) {
    // getComplexity coerces the variables before Apollo does, so a wrong variable
    // type ("abc" for an Int, an unknown enum value) surfaces here first.
    if (error instanceof GraphQLError) {
      return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
    }
    throw error;
  }
  if (complexity > limits.maxComplexity) {
    return tooComplex(`query complexity ${complexity} exceeds ${limits.maxComplexity}; ask for smaller pages or fewer fields`, {
      complexity,
      maxComplexity: limits.maxComplexity,
    });
  }
  return undefined;
}

/** Variables used as a `first` argument anywhere: the only ones the complexity estimate reads. */
function sizeVariablesOf(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const names = new Set<string>();
  const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      Argument(arg) {
        if (arg.name.value === "first" && arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
      },
    });
  collect(operation);
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) collect(def);
  return [...names].sort();
}

/** Verdicts kept per operation: one per distinct set of page sizes. */
const MAX_VERDICTS = 200;

interface OperationVerdicts {
  sizeVariables: string[];
  /** By the JSON of the page-size variables' values; undefined = may run. */
  verdicts: Map<string, GraphQLError | undefined>;
}

/**
 * Refuses too deep or too expensive operations before any resolver runs.
 *
 * The estimate depends only on the document and its page sizes (`first`), so a
 * verdict is cached per document (Apollo hands the same parsed DocumentNode to
 * every request with the same query text) and per set of page-size values: the
 * dashboard's queries cost one map lookup instead of a walk of the query.
 */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits = DEFAULT_LIMITS): ApolloServerPlugin {
  const byDocument = new WeakMap<DocumentNode, Map<string, OperationVerdicts>>();
  // One listener for every request: it keeps no per-request state.
  const listener: GraphQLRequestListener<BaseContext> = {
    async didResolveOperation({ document, operation, request }) {
      if (!operation) return; // Apollo refuses an unresolvable operation itself
      const variables = request.variables ?? {};
      let operations = byDocument.get(document);
      if (!operations) byDocument.set(document, (operations = new Map()));
      const opKey = request.operationName ?? "";
      let op = operations.get(opKey);
      if (!op) operations.set(opKey, (op = { sizeVariables: sizeVariablesOf(document, operation), verdicts: new Map() }));
      const verdictKey = op.sizeVariables.length === 0 ? "" : JSON.stringify(op.sizeVariables.map((v) => variables[v] ?? null));
      let refusal: GraphQLError | undefined;
      if (op.verdicts.has(verdictKey)) {
        refusal = op.verdicts.get(verdictKey);
      } else {
        refusal = assessQueryLimits(schema, document, operation, variables, limits, { operationName: request.operationName ?? undefined });
        // A refusal for a badly typed variable is about that request's values, not its page sizes: never cached.
        const cacheable = refusal === undefined || refusal.extensions.code === "QUERY_TOO_COMPLEX";
        if (cacheable) {
          if (op.verdicts.size >= MAX_VERDICTS) op.verdicts.clear();
          op.verdicts.set(verdictKey, refusal);
        }
      }
      if (refusal) throw refusal;
    },
  };
  return { requestDidStart: async () => listener };
}
