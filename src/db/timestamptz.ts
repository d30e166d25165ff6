import { types } from "pg";

/** pg's own timestamptz parser (postgres-date), captured before useFastTimestamptz replaces it. */
const parseDate = types.getTypeParser(types.builtins.TIMESTAMPTZ, "text") as (text: string) => Date | number | null;

/**
 * pg's parser for `timestamptz` (postgres-date) runs four regular expressions per
 * value; a 100-company page has 200 of them. This reads PostgreSQL's usual text
 * form, `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`, by position and gives the same
 * Date; anything else (BC, infinity, five-digit or two-digit years, an offset
 * with seconds) goes to postgres-date as before.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const n = text.length;
  if (
    n < 22 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return parseDate(text);
  }
  let end: number;
  let offsetMinutes: number;
  const short = text.charCodeAt(n - 3);
  if (short === 43 || short === 45) {
    // ±HH
    end = n - 3;
    offsetMinutes = digits(text, n - 2, n) * 60;
    if (short === 45) offsetMinutes = -offsetMinutes;
  } else if (short === 58 && (text.charCodeAt(n - 6) === 43 || text.charCodeAt(n - 6) === 45)) {
    // ±HH:MM
    end = n - 6;
    offsetMinutes = digits(text, n - 5, n - 3) * 60 + digits(text, n - 2, n);
    if (text.charCodeAt(n - 6) === 45) offsetMinutes = -offsetMinutes;
  } else {
    return parseDate(text);
  }
  let ms = 0;
  if (end !== 19) {
    if (end < 21 || text.charCodeAt(19) !== 46) return parseDate(text); // .f at least
    // As postgres-date computes it, so the Dates are identical (Date.UTC truncates the rest).
    ms = 1000 * parseFloat(text.slice(19, end));
  }
  const year = digits(text, 0, 4);
  if (year < 100) return parseDate(text); // Date.UTC reads 0..99 as 1900..1999
  const time =
    Date.UTC(year, digits(text, 5, 7) - 1, digits(text, 8, 10), digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), ms) -
    offsetMinutes * 60_000;
  return Number.isNaN(time) ? parseDate(text) : new Date(time);
}

/** The decimal number in text[from, to); NaN when any character is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/** Every pg client in the process (TypeORM's pool included) parses timestamptz with parseTimestamptz. */
export function useFastTimestamptz(): void {
  types.setTypeParser(types.builtins.TIMESTAMPTZ, parseTimestamptz);
}
