import { InvalidInputError } from "../shared/errors";
import { checkTimeZone } from "./analytics.shared";

/** local wall clock minus UTC at an instant, in ms, from ICU's zone data. */
function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * An instant from what an operator types: an ISO time with its offset
 * ("2026-11-01T00:00:00Z", "...+01:00") as is, or a local date or date-time
 * ("2026-11-01", "2026-11-01 06:00") read on the wall clock of `timeZone`.
 * A wall time skipped by a DST change moves forward by the change, as in PostgreSQL.
 */
export function parseLocalTime(text: string, timeZone: string, field: string): Date {
  const zone = checkTimeZone(timeZone);
  const local = LOCAL.exec(text.trim());
  if (!local) {
    const at = /(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) ? new Date(text) : new Date(NaN);
    if (Number.isNaN(at.getTime())) {
      throw new InvalidInputError(`${field} must be a date (2026-11-01), a local time (2026-11-01 06:00) or an ISO time with offset (got "${text}")`, field);
    }
    return at;
  }
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = local;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new InvalidInputError(`${field} is not a valid date (got "${text}")`, field);
  }
  // Two passes: the offset at the guessed instant, then at the corrected one (differs only across a DST change).
  const first = wall - offsetAt(wall, zone);
  return new Date(wall - offsetAt(first, zone));
}
