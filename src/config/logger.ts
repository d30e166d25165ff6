import pino, { type Logger } from "pino";
import type { Config } from "./config";

export type { Logger };

/**
 * JSON lines on stderr, so stdout stays free for command output (tokens, counts)
 * that scripts capture. Authorization headers and tokens are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, "logLevel">, name = "dashql"): Logger {
  return pino(
    {
      name,
      level: config.logLevel,
      redact: {
        paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization", "adminToken", "*.adminToken"],
        censor: "[redacted]",
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
