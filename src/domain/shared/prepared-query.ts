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
export type IdPageFilter = readonly [key: string, condition: string, value: unknown];

export interface IdPageQuery<R, T extends { id: number }> {
  /** Prefix of the prepared statements' names: each combination of filters (and cursor) is one statement. */
  name: string;
  /** `table alias`, e.g. "tracked_file f"; conditions and `columns` use the alias. */
  from: string;
  columns: string;
  /** The `id` column with its alias, e.g. "f.id". */
  idColumn: string;
  filters: readonly IdPageFilter[];
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
  const where: string[] = [];
  const values: unknown[] = [];
  let shape = "";
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  for (const [key, condition, value] of q.filters) {
    if (value == null) continue;
    where.push(condition.replace("?", param(value)));
    shape += key;
  }
  const filterSql = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  const filterValues = [...values];
  const filterShape = shape;
  if (q.after) {
    const [id] = decodeCursor(q.after, q.order, ["number"]);
    where.push(`${q.idColumn} < ${param(id)}`);
    shape += "@";
  }
  const limit = param(q.first + 1);
  const rows = await preparedQuery<R>(
    em,
    `${q.name}_${shape}`,
    `SELECT ${q.columns} FROM ${q.from} ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${q.idColumn} DESC LIMIT ${limit}`,
    values,
  );
  const count = async () => {
    const [{ n }] = await preparedQuery<{ n: string }>(em, `${q.name}_count_${filterShape}`, `SELECT count(*) AS n FROM ${q.from} ${filterSql}`, filterValues);
    return Number(n);
  };
  return toPage(rows.map(q.map), q.first, (row) => encodeCursor(q.order, [row.id]), count);
}
