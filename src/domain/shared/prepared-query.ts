import { DatabaseError } from "pg";
import { QueryFailedError, type EntityManager } from "typeorm";

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
