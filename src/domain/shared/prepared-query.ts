import { DatabaseError, Query, type Pool, type QueryResult, type QueryResultRow } from "pg";
import { QueryFailedError, type EntityManager } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import { countStatement } from "../../db/statement-counter";
import { entityRows } from "./entity-rows";
import { checkPageSize, decodeCursor, encodeCursor, toPage, type Page } from "./pagination";

/**
 * Runs a read on the hot path as a named prepared statement: PostgreSQL parses
 * and plans it once per pooled connection instead of on every request, and the
 * rows come back without TypeORM's query building and entity hydration (which
 * was most of dashql's own CPU on a 100-company page). Inside a transaction
 * (`em.queryRunner` set) it runs on that transaction's connection, unnamed.
 *
 * `name` must identify `text` exactly: pg refuses a name reused for other text.
 * The statement is reported to the DataSource's logger like any TypeORM query,
 * and counted in the request scope of `em` (db/statement-counter).
 */
export async function preparedQuery<R>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  if (em.queryRunner) return (await em.query(text, values)) as R[];
  const connection = em.connection;
  connection.logger.logQuery(text, values);
  countStatement(connection);
  // The driver's pg Pool (public, typed `any`): TypeORM's own query() has no way to name a statement.
  const pool = (connection.driver as PostgresDriver).master as Pool;
  try {
    // pg-pool answers a Query with a promise of its result too (@types/pg types it as returning the Query).
    const result = pool.query(new NamedQuery(name, text, values)) as unknown as Promise<QueryResult<R & QueryResultRow>>;
    return (await result).rows;
  } catch (error) {
    // Same shape as TypeORM's own queries (errors.ts reads driverError.code); connection errors stay as pg raises them, as in TypeORM.
    if (error instanceof DatabaseError) throw new QueryFailedError(text, values, error);
    throw error;
  }
}

/**
 * A named statement handed to pg as a ready Query. Given a plain config object,
 * pg copies it on every call through property descriptors (`cloneQueryConfig`:
 * 1.5% of the server's CPU on `company(id)`) and wraps the call in one more
 * promise; a Query built from the text is taken as it is.
 */
class NamedQuery extends Query {
  declare name: string;

  constructor(name: string, text: string, values: unknown[]) {
    super(text, values);
    this.name = name;
  }
}

/**
 * One optional filter: `key` names it in the statement name, `condition` has one
 * `?` for the value; skipped when the value is null/undefined.
 */
export type SqlFilter = readonly [key: string, condition: string, value: unknown];

/**
 * The WHERE conditions and parameters of a prepared statement assembled from
 * fixed fragments, and its `shape`: the keys of the fragments used, so each
 * combination gets its own statement, named after what it does
 * (`tracked_file_page:host+type+after`). PostgreSQL keeps 63 bytes of a name.
 */
export class StatementParts {
  readonly conditions: string[] = [];
  readonly values: unknown[] = [];
  readonly shape: string[] = [];

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
      this.shape.push(key);
    }
    return this;
  }

  /** Adds a condition that is always there when the statement is (a cursor), under `key`. */
  add(key: string, condition: string): this {
    this.conditions.push(condition);
    this.shape.push(key);
    return this;
  }

  /** `name`, followed by the shape when there is one. */
  statementName(name: string): string {
    return this.shape.length > 0 ? `${name}:${this.shape.join("+")}` : name;
  }

  get whereSql(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }

  /**
   * `count(*)` of `from` under the conditions added so far (call it before adding a
   * cursor), as a prepared statement named after `name` and the shape; runs only when called.
   */
  counter(em: EntityManager, name: string, from: string): () => Promise<number> {
    const statement = this.statementName(name);
    const text = `SELECT count(*) AS n FROM ${from} ${this.whereSql}`;
    const values = [...this.values];
    return async () => {
      const [{ n }] = await preparedQuery<{ n: string }>(em, statement, text, values);
      return Number(n);
    };
  }
}

export interface IdPageProps {
  first: number;
  after: string | null | undefined;
  /** Cursor tag: a cursor of another listing is refused. */
  order: string;
}

/**
 * A page of `target`'s rows newest first (by id) with keyset pagination, as a
 * prepared statement per filter shape (`${table}_page:...`); `totalCount`
 * (`${table}_count:...`) runs only when asked. `filters` use `alias` for the
 * table. Shared by listFiles and listQueue, whose tables are paged the same way.
 */
export async function pageNewestById<T extends { id: number }>(
  em: EntityManager,
  target: new () => T,
  alias: string,
  props: IdPageProps,
  filters: readonly SqlFilter[],
): Promise<Page<T>> {
  checkPageSize(props.first);
  const table = em.connection.getMetadata(target).tableName;
  const rows = entityRows(em, target, alias);
  const from = `${table} ${alias}`;
  const parts = new StatementParts().filter(filters);
  const count = parts.counter(em, `${table}_count`, from);
  if (props.after) {
    const [id] = decodeCursor(props.after, props.order, ["number"]);
    parts.add("after", `${alias}.id < ${parts.param(id)}`);
  }
  const limit = parts.param(props.first + 1);
  const found = await preparedQuery<Record<string, unknown>>(
    em,
    parts.statementName(`${table}_page`),
    `SELECT ${rows.select} FROM ${from} ${parts.whereSql} ORDER BY ${alias}.id DESC LIMIT ${limit}`,
    parts.values,
  );
  return toPage(found.map(rows.map), props.first, (row) => encodeCursor(props.order, [row.id]), count);
}
