import { InvalidInputError } from "./errors";

/** Parses a GraphQL ID (or CLI argument) that must be a database integer key. */
export function parseId(id: string | number, field = "id"): number {
  const n = typeof id === "number" ? id : /^\s*\d{1,10}\s*$/.test(id) ? Number(id) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 2_147_483_647) {
    throw new InvalidInputError(`${field} must be a positive integer id (got "${id}")`, field);
  }
  return n;
}
