import { DatabaseError } from "pg";
import { QueryFailedError, type EntityManager } from "typeorm";
import { checkPageSize, decodeCursor, encodeCursor, toPage, type Page } from "./pagination";

interface PgPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a read on the hot path as a named prepared statement: PostgreSQL parses
 * and plans it once per pooled connection instead of on every request, and the
 * rows come back without TypeORM's query building and entity hydration (which
 * was most of dashql's own CPU on a 100-company page). Inside a transaction
 * (`em.queryRunner` set) it runs on that transaction's connection, unnamed.
 *
 * `name` must identify `text` exactly: pg refuses a name reused for other text.
 * The statement is reported to the DataSource's logger like any TypeORM query,
 * so per-request statement counts stay right.
 */
export async function preparedQuery<R>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  if (em.queryRunner) return (await em.query(text, values)) as R[];
  const connection = em.connection;
  connection.logger.logQuery(text, values);
  const pool = (connection.driver as unknown as { master: PgPool }).master;
  try {
    return (await pool.query<R>({ name, text, values })).rows;
  } catch (error) {
    // Same shape as TypeORM's own queries (errors.ts reads driverError.code); connection errors stay as pg raises them, as in TypeORM.
    if (error instanceof DatabaseError) throw new QueryFailedError(text, values, error);
    throw error;
  }
}

/** numeric/bigint as pg returns them (strings) to numbers; null stays null. */
export const toNumberOrNull = (value: string | number | null): number | null => (value === null ? null : Number(value));

/** One optional equality-or-comparison filter: `condition` has one `?` for the value; skipped when the value is null/undefined. */
export type SqlFilter = readonly [key: string, condition: string, value: unknown];

/**
 * The WHERE conditions and parameters of a prepared statement assembled from
 * fixed fragments, and its `shape`: one letter per fragment used, so each
 * combination gets its own statement name.
 */
export class StatementParts {
  readonly conditions: string[] = [];
  readonly values: unknown[] = [];
  shape = "";

  /** Adds `value` as the next parameter and returns its placeholder (`$n`). */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds every filter whose value is set, in order. */
  filter(filters: readonly SqlFilter[]): this {
    for (const [key, condition, value] of filters) {
      if (value == null) continue;
      this.conditions.push(condition.replace("?", this.param(value)));
      this.shape += key;
    }
    return this;
  }

  get whereSql(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }

  /**
   * `count(*)` of `from` under the conditions added so far (call it before adding a
   * cursor), as a prepared statement named `${name}_${shape}`; runs only when called.
   */
  counter(em: EntityManager, name: string, from: string): () => Promise<number> {
    const statement = `${name}_${this.shape}`;
    const text = `SELECT count(*) AS n FROM ${from} ${this.whereSql}`;
    const values = [...this.values];
    return async () => {
      const [{ n }] = await preparedQuery<{ n: string }>(em, statement, text, values);
      return Number(n);
    };
  }
}

export interface IdPageQuery<R, T extends { id: number }> {
  /** Prefix of the prepared statements' names: each combination of filters (and cursor) is one statement. */
  name: string;
  /** `table alias`, e.g. "tracked_file f"; conditions and `columns` use the alias. */
  from: string;
  columns: string;
  /** The `id` column with its alias, e.g. "f.id". */
  idColumn: string;
  filters: readonly SqlFilter[];
  first: number;
  after: string | null | undefined;
  /** Cursor tag: a cursor of another listing is refused. */
  order: string;
  map: (row: R) => T;
}

/**
 * A page of rows newest first (by id) with keyset pagination, as a prepared
 * statement per filter shape; `totalCount` runs only when asked. Shared by
 * listFiles and listQueue, whose tables are paged the same way.
 */
export async function pageNewestById<R, T extends { id: number }>(em: EntityManager, q: IdPageQuery<R, T>): Promise<Page<T>> {
  checkPageSize(q.first);
  const parts = new StatementParts().filter(q.filters);
  const count = parts.counter(em, `${q.name}_count`, q.from);
  if (q.after) {
    const [id] = decodeCursor(q.after, q.order, ["number"]);
    parts.conditions.push(`${q.idColumn} < ${parts.param(id)}`);
    parts.shape += "@";
  }
  const limit = parts.param(q.first + 1);
  const rows = await preparedQuery<R>(
    em,
    `${q.name}_${parts.shape}`,
    `SELECT ${q.columns} FROM ${q.from} ${parts.whereSql} ORDER BY ${q.idColumn} DESC LIMIT ${limit}`,
    parts.values,
  );
  return toPage(rows.map(q.map), q.first, (row) => encodeCursor(q.order, [row.id]), count);
}
