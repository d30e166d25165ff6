import type { ApolloServerPlugin } from "@apollo/server";
import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { GraphQLContext } from "../graphql/context";

/**
 * The GraphQL operation span of a traced request. graphql-jit executes
 * operations with compiled code, which the GraphQL instrumentation (it patches
 * graphql-js's execute) never sees; so the HTTP layer opens this span around
 * Apollo's handling of the request, and the plugin below names it once Apollo
 * knows the operation. Apollo's graphql.parse / graphql.validate spans and one
 * pg span per SQL statement are its children; it is a child of the HTTP server span.
 */

const tracer = trace.getTracer("dashql");
const OPERATION_SPAN = "graphql.operation";
/** The operation spans opened by inOperationSpan: the plugin names only those. */
const operationSpans = new WeakSet<Span>();

/** Runs `fn` (Apollo handling one request) inside a new operation span tagged with the request id. */
export function inOperationSpan<T>(requestId: string, fn: () => T | Promise<T>): Promise<T> {
  return tracer.startActiveSpan(OPERATION_SPAN, { kind: SpanKind.INTERNAL, attributes: { "dashql.request_id": requestId } }, async (span) => {
    operationSpans.add(span);
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Tags the HTTP server span (the active span when a request arrives) with the request id. */
export function tagRequestSpan(requestId: string): void {
  trace.getActiveSpan()?.setAttribute("dashql.request_id", requestId);
}

function operationSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span && operationSpans.has(span) ? span : undefined;
}

/** Names the operation span `<type> <name>` and records its outcome (the contract code of the first error). */
export function operationSpanPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const span = operationSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          span.updateName(`${operation.operation} ${operationName ?? "anonymous"}`);
          span.setAttribute("graphql.operation.type", operation.operation);
          if (operationName) span.setAttribute("graphql.operation.name", operationName);
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors;
          const code = errors?.[0]?.extensions?.code;
          if (typeof code === "string") {
            span.setAttribute("dashql.error_code", code);
            span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          }
        },
      };
    },
  };
}
