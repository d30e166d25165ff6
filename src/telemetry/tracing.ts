import { NodeSDK } from "@opentelemetry/sdk-node";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { tracingSettings } from "../config/config";

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry Node SDK: traces only (metrics are Prometheus, logs are
 * pino lines), configured by the standard OTEL_* variables (exporter, endpoint,
 * protocol, sampler, batch delays), with the HTTP, pg and GraphQL instrumentations.
 *
 * Must run before `http`, `pg` and `graphql` are first required: the
 * instrumentations patch those modules as they load. `./register` (the first
 * import of the CLI entry) calls this only when tracing is asked for, so a
 * process without OTEL_* variables never loads the SDK.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  if (sdk) return;
  sdk = new NodeSDK({
    serviceName: tracingSettings(env).defaultServiceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Health probes and scrapes would be most of the traces and tell nothing.
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|metrics)(\?|$)/.test(request.url ?? ""),
      }),
      // Only statements inside a traced request: the revocation listener's pings and the key-usage flush
      // would otherwise each be a trace of their own.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      // Apollo parses and validates with graphql-js (spans graphql.parse, graphql.validate); graphql-jit's
      // compiled code executes, which this instrumentation cannot see: the operation span comes from
      // src/telemetry/operation-span.ts instead. Field spans would only appear on graphql-js fallbacks.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
    ],
  });
  sdk.start();
  // Flush what is still batched when the process ends normally (after a graceful stop).
  process.once("beforeExit", () => void sdk?.shutdown().catch(() => undefined));
}

/** Flushes and stops the SDK (tests and graceful shutdown). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
