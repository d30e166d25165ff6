import type { ValueTransformer } from "typeorm";

/**
 * pg returns `numeric` and `bigint` as strings (they can exceed a double).
 * Money is stored exactly as numeric and exposed as a JS number; file sizes are
 * bigint and fit a SafeInt. Writes pass numbers through: pg sends them as text,
 * so 0.1 is stored as exactly 0.1.
 */
export const numericToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? null : Number(value)),
};

export const bigintToNumber: ValueTransformer = numericToNumber;
