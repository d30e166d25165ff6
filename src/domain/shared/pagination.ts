import { InvalidInputError } from "./errors";

/** The contract caps `first` at 500; a larger value is an error, not a silent truncation. */
export const MAX_PAGE_SIZE = 500;

export interface PageArgs {
  first: number;
  after?: string | null;
}

/**
 * One page of a keyset-paginated list. Cursors are encoded only when asked for
 * (most pages are read without them) and `totalCount` runs its query only when called.
 */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  /** The cursor of `nodes[index]`. */
  cursor(index: number): string;
  /** The last node's cursor; null for an empty page. */
  readonly endCursor: string | null;
  totalCount: () => Promise<number>;
}

export function checkPageSize(first: number, field = "first"): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`${field} must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${first})`, field);
  }
}

/**
 * Cursors are opaque to clients: base64url of [order, ...sort key values]. The
 * order is inside so a cursor from one ordering is refused by another instead of
 * silently skipping rows.
 */
export function encodeCursor(order: string, values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([order, ...values])).toString("base64url");
}

export function decodeCursor(cursor: string, order: string, shape: readonly ("string" | "number")[], field = "after"): (string | number)[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== shape.length + 1 || typeof decoded[0] !== "string") {
    throw new InvalidInputError(`${field} is not a cursor returned by this list`, field);
  }
  if (decoded[0] !== order) {
    throw new InvalidInputError(`${field} is a cursor for another ordering (${decoded[0]}), not ${order}`, field);
  }
  const values = decoded.slice(1) as unknown[];
  values.forEach((value, i) => {
    const ok = shape[i] === "number" ? Number.isSafeInteger(value) : typeof value === "string";
    if (!ok) throw new InvalidInputError(`${field} is not a cursor returned by this list`, field);
  });
  return values as (string | number)[];
}

/**
 * Builds a page from `first + 1` fetched rows: the extra row only tells whether
 * there is a next page.
 */
export function toPage<T>(rows: T[], first: number, cursorOf: (row: T, index: number) => string, totalCount: () => Promise<number>): Page<T> {
  const hasNextPage = rows.length > first;
  const nodes = hasNextPage ? rows.slice(0, first) : rows;
  let count: Promise<number> | undefined;
  return {
    nodes,
    hasNextPage,
    cursor: (index) => cursorOf(nodes[index], index),
    get endCursor() {
      return nodes.length > 0 ? cursorOf(nodes[nodes.length - 1], nodes.length - 1) : null;
    },
    totalCount: () => (count ??= totalCount()),
  };
}

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
