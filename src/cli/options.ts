import { InvalidArgumentError } from "commander";
import { formatDuration, parseDuration } from "./duration";

/** commander argParsers shared by the commands: each turns a flag's text into a checked value or a usage error. */

/** A commander argParser for durations with a lower bound. */
export function durationOption(minMs = 0): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms < minMs) throw new InvalidArgumentError(`"${value}" is shorter than the minimum of ${formatDuration(minMs)}`);
    return ms;
  };
}

/** A commander argParser for an integer in [min, max]. */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}
