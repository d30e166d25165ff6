import { InvalidInputError } from "./errors";

/** A string of at most `max` characters without NUL (PostgreSQL text cannot hold one); kept as sent. */
export function text(value: unknown, path: string, max: number): string {
  if (typeof value !== "string") throw new InvalidInputError(`${path} must be a string`, path);
  if (value.length > max) throw new InvalidInputError(`${path} must be at most ${max} characters`, path);
  if (value.includes("\0")) throw new InvalidInputError(`${path} must not contain a NUL character`, path);
  return value;
}

/**
 * `text` that must not be blank. Trimmed first when `trim` (paths are kept byte
 * for byte), so the length limit applies to the value as stored.
 */
export function requiredText(value: unknown, path: string, max: number, trim: boolean): string {
  if (typeof value !== "string") throw new InvalidInputError(`${path} must be a string`, path);
  const result = trim ? value.trim() : value;
  if (result.trim().length === 0) throw new InvalidInputError(`${path} must not be empty`, path);
  return text(result, path, max);
}
