import type { ApolloServerPlugin } from "@apollo/server";
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
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

/** A list field without `first` is assumed to hold this many items (e.g. a company's finance years). */
const UNPAGED_LIST_SIZE = 10;

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
const pagedListEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  const typeName = String(field.type);
  const isList = typeName.includes("[") || typeName.endsWith("Connection") || typeName.endsWith("Connection!");
  if (!isList) return undefined;
  const first = typeof args.first === "number" ? Math.min(Math.max(args.first, 1), MAX_PAGE_SIZE) : UNPAGED_LIST_SIZE;
  return 1 + first * Math.max(childComplexity, 1);
};

/** Refuses too deep or too expensive operations before any resolver runs. */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits = DEFAULT_LIMITS): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return; // Apollo refuses an unresolvable operation itself
          const depth = operationDepth(document, operation, limits.maxDepth);
          if (depth > limits.maxDepth) {
            throw tooComplex(`query is nested deeper than ${limits.maxDepth} levels`, { maxDepth: limits.maxDepth });
          }
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: operation.name?.value ?? request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [pagedListEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // getComplexity coerces the variables before Apollo does, so a wrong variable
            // type ("abc" for an Int, an unknown enum value) surfaces here first.
            if (error instanceof GraphQLError) {
              throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
            }
            throw error;
          }
          if (complexity > limits.maxComplexity) {
            throw tooComplex(`query complexity ${complexity} exceeds ${limits.maxComplexity}; ask for smaller pages or fewer fields`, {
              complexity,
              maxComplexity: limits.maxComplexity,
            });
          }
        },
      };
    },
  };
}
