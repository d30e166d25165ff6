import { InvalidInputError } from "../shared/errors";

/** Fields of a company as clients send them (GraphQL input, import file). */
export interface CompanyFields {
  name: string;
  ceo?: string | null;
  businessType?: string | null;
}

export interface FinanceFields {
  /** 1900..2200 */
  year: number;
  q1Earnings?: number | null;
  q2Earnings?: number | null;
  q3Earnings?: number | null;
  q4Earnings?: number | null;
}

export const NAME_MAX = 140;
export const TEXT_MAX = 200;
export const YEAR_MIN = 1900;
export const YEAR_MAX = 2200;
/** numeric has no limit, but Float cannot carry more than this exactly enough to be useful. */
const EARNINGS_MAX = 1e15;

export function normalizeName(name: unknown, path: string): string {
  if (typeof name !== "string") throw new InvalidInputError(`${path} must be a string`, path);
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > NAME_MAX) {
    throw new InvalidInputError(`${path} must be 1 to ${NAME_MAX} characters after trimming (got ${trimmed.length})`, path);
  }
  return trimmed;
}

/** Trims optional text; "" and whitespace become null. */
export function normalizeOptionalText(value: unknown, path: string, max = TEXT_MAX): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new InvalidInputError(`${path} must be a string`, path);
  const trimmed = value.trim();
  if (trimmed.length > max) throw new InvalidInputError(`${path} must be at most ${max} characters`, path);
  return trimmed === "" ? null : trimmed;
}

function earnings(value: unknown, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > EARNINGS_MAX) {
    throw new InvalidInputError(`${path} must be a number between -${EARNINGS_MAX} and ${EARNINGS_MAX}`, path);
  }
  return value;
}

export interface NormalizedFinance {
  year: number;
  q1Earnings: number | null;
  q2Earnings: number | null;
  q3Earnings: number | null;
  q4Earnings: number | null;
}

export function normalizeFinance(f: FinanceFields, path: string): NormalizedFinance {
  if (!Number.isInteger(f.year) || f.year < YEAR_MIN || f.year > YEAR_MAX) {
    throw new InvalidInputError(`${path}.year must be an integer from ${YEAR_MIN} to ${YEAR_MAX} (got ${f.year})`, `${path}.year`);
  }
  return {
    year: f.year,
    q1Earnings: earnings(f.q1Earnings, `${path}.q1Earnings`),
    q2Earnings: earnings(f.q2Earnings, `${path}.q2Earnings`),
    q3Earnings: earnings(f.q3Earnings, `${path}.q3Earnings`),
    q4Earnings: earnings(f.q4Earnings, `${path}.q4Earnings`),
  };
}

/** Validates a list of finance rows; a year may appear once. */
export function normalizeFinances(finances: readonly FinanceFields[] | null | undefined, path: string): NormalizedFinance[] {
  const seen = new Map<number, number>();
  return (finances ?? []).map((f, i) => {
    const row = normalizeFinance(f, `${path}[${i}]`);
    const earlier = seen.get(row.year);
    if (earlier !== undefined) {
      throw new InvalidInputError(`${path}[${i}].year ${row.year} repeats ${path}[${earlier}].year`, `${path}[${i}].year`);
    }
    seen.set(row.year, i);
    return row;
  });
}
