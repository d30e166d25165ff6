import pino, { type Logger } from "pino";
import type { Config } from "./config";

export type { Logger };

/** The active span's ids, for log lines (loaded only when tracing is on). */
function traceIds(): { traceId?: string; spanId?: string } {
  const { trace } = require("@opentelemetry/api") as typeof import("@opentelemetry/api");
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
}

/**
 * JSON lines on stderr, so stdout stays free for command output (tokens, counts)
 * that scripts capture. Authorization headers and tokens are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, "logLevel"> & Partial<Pick<Config, "tracing">>, name = "dashql"): Logger {
  return pino(
    {
      name,
      level: config.logLevel,
      // With tracing on, each line logged inside a traced request names its trace and span.
      mixin: config.tracing ? traceIds : undefined,
      redact: {
        paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization", "adminToken", "*.adminToken"],
        censor: "[redacted]",
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
