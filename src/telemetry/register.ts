/**
 * The first import of the command line's entry (src/cli/main.ts): starts
 * OpenTelemetry before anything it instruments is loaded, and only when the
 * OTEL_* variables ask for traces. Otherwise it loads nothing else, so tracing
 * costs nothing when it is off.
 */
import { tracingSettings } from "../config/config";

if (tracingSettings(process.env).enabled) {
  // require, not import: the SDK must load only in this branch.
  (require("./tracing") as typeof import("./tracing")).startTracing();
}
