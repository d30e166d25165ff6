import type { EntityManager } from "typeorm";
import { InvalidInputError } from "../shared/errors";
import { text } from "../shared/text";

/**
 * Most groups one aggregate answers. A chart cannot show more, and a request for
 * more is usually a grouping by a near-unique key (RUN_DIR over every file, HOUR
 * over years): the statement fetches one row beyond it to tell, and refuses.
 */
export const MAX_GROUPS = 10_000;
/** The LIMIT of every aggregate statement: one row beyond MAX_GROUPS tells "too many". */
export const MAX_GROUPS_PLUS_ONE = MAX_GROUPS + 1;

/** Rows of a grouped statement: at most MAX_GROUPS, else BAD_USER_INPUT naming the way out. */
export function checkGroupCount<T>(rows: T[]): T[] {
  if (rows.length > MAX_GROUPS) {
    throw new InvalidInputError(
      `more than ${MAX_GROUPS.toLocaleString("en-US")} groups; use a narrower filter or a coarser grouping (fewer groupBy fields or a longer bucket)`,
      "groupBy",
      { maxGroups: MAX_GROUPS },
    );
  }
  return rows;
}

/** The groupBy list without repeats, in the order given (a repeated key would only repeat a column). */
export function uniqueGroupBy<K extends string>(groupBy: readonly K[] | null | undefined, allowed: Record<K, unknown>, field = "groupBy"): K[] {
  if (groupBy == null) return [];
  if (!Array.isArray(groupBy)) throw new InvalidInputError(`${field} must be a list`, field);
  const seen: K[] = [];
  for (const key of groupBy) {
    if (!Object.prototype.hasOwnProperty.call(allowed, key)) throw new InvalidInputError(`${field} has an unknown key "${String(key)}"`, field);
    if (!seen.includes(key)) seen.push(key);
  }
  return seen;
}

/** An optional exact-match filter string: no NUL, at most 1,000 characters. */
export function filterText(value: string | null | undefined, field: string): string | null {
  return value == null ? null : text(value, field, 1000);
}

/** A Date filter that must be a valid instant. */
export function filterDate(value: Date | null | undefined, field: string): Date | null {
  if (value == null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidInputError(`${field} must be a valid date`, field);
  return value;
}

/**
 * One ORDER BY term: nulls last, text in code-point order (as `<` in TypeScript), whatever
 * the database collation. Give the grouped column, not its alias: an alias cannot take COLLATE.
 */
export function orderTerm(expression: string, isText: boolean): string {
  return `${expression}${isText ? ' COLLATE "C"' : ""} NULLS LAST`;
}

// An IANA name: letters, digits, "_", "+", "-", parts joined by "/" ("Etc/GMT+5" passes).
// PostgreSQL reads a bare "+05:00" as a POSIX zone with the sign inverted (UTC-5): refused here.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Checks an IANA time zone name before it reaches SQL. Intl (the ICU zone database)
 * must know it: PostgreSQL would also take POSIX strings ("+05:00" meaning UTC-5)
 * and odd abbreviations. A zone ICU knows but this PostgreSQL does not is still
 * refused by the statement, and `asZoneError` turns that into BAD_USER_INPUT.
 */
export function checkTimeZone(timeZone: string | null | undefined): string {
  const zone = timeZone ?? "UTC";
  let known = typeof zone === "string" && zone.length <= 64 && ZONE_NAME.test(zone);
  if (known) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
    } catch {
      known = false;
    }
  }
  if (!known) {
    throw new InvalidInputError(`timeZone "${String(zone).slice(0, 64)}" is not a known IANA time zone (e.g. "Europe/Berlin", "UTC")`, "timeZone");
  }
  return zone;
}

/** PostgreSQL's "time zone not recognized" (22023) as BAD_USER_INPUT; anything else unchanged. */
export function asZoneError(error: unknown, timeZone: string): unknown {
  const e = error as { driverError?: { code?: string; message?: string }; code?: string; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  const message = e?.driverError?.message ?? e?.message ?? "";
  if (code === "22023" && /time zone/i.test(message)) {
    return new InvalidInputError(`timeZone "${timeZone}" is not known to the database`, "timeZone");
  }
  return error;
}

/** Runs one aggregate statement; each call is one SQL statement (counted like every query). */
export async function runAggregate<R>(em: EntityManager, sql: string, values: unknown[]): Promise<R[]> {
  return checkGroupCount((await em.query(sql, values)) as R[]);
}

/** numeric, bigint or float as pg returns it (text for the first two) to a number; null stays null. */
export const num = (value: string | number | null | undefined): number | null => (value == null ? null : Number(value));
