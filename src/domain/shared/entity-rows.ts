import type { EntityManager, EntityMetadata } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";

/** The select list of an entity's columns and the one function that maps a selected row back to the entity. */
export interface EntityRows<T> {
  /** `alias.column, ...` (each `AS prefix_column` when a prefix is given), in the entity's column order. */
  readonly select: string;
  /** A row selected with `select` (or the same columns from json_agg) as an entity instance. */
  readonly map: (row: Record<string, unknown>) => T;
}

const built = new WeakMap<EntityMetadata, Map<string, EntityRows<unknown>>>();

const DATE_TYPES = new Set(["timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone", "date"]);

/**
 * The columns of `target` as TypeORM's metadata declares them (the entity is the
 * only place a column is spelled), for hot-path reads that run as prepared
 * statements without TypeORM's query building and hydration.
 *
 * The mapper is generated once per entity, alias and prefix: straight-line
 * assignments from the row's keys, plus the column's transformer (numeric and
 * bigint arrive from pg as strings) and Date conversion for timestamps that
 * arrive as text (json_agg): no metadata is read per row.
 *
 * `prefix` names the keys when two tables in one select share column names:
 * `entityRows(em, Finance, "f", "finance_")` selects `f.id AS finance_id, ...`.
 */
export function entityRows<T>(em: EntityManager, target: new () => T, alias: string, prefix = ""): EntityRows<T> {
  const metadata = em.connection.getMetadata(target);
  let byAlias = built.get(metadata);
  if (!byAlias) built.set(metadata, (byAlias = new Map()));
  const key = `${alias}\u0000${prefix}`;
  let rows = byAlias.get(key);
  if (!rows) byAlias.set(key, (rows = build(metadata, target, alias, prefix)));
  return rows as EntityRows<T>;
}

function build<T>(metadata: EntityMetadata, target: new () => T, alias: string, prefix: string): EntityRows<T> {
  const columns = metadata.columns.filter((column) => column.isSelect && !column.isVirtual);
  const keyOf = (column: ColumnMetadata) => `${prefix}${column.databaseName}`;
  const select = columns
    .map((column) => (prefix ? `${alias}.${column.databaseName} AS ${keyOf(column)}` : `${alias}.${column.databaseName}`))
    .join(", ");
  const transformers: unknown[] = [];
  const lines = columns.map((column) => {
    const value = `row[${JSON.stringify(keyOf(column))}]`;
    let expression = value;
    if (column.transformer && !Array.isArray(column.transformer)) {
      transformers.push(column.transformer);
      expression = `transformers[${transformers.length - 1}].from(${value})`;
    } else if (DATE_TYPES.has(String(column.type))) {
      expression = `toDate(${value})`;
    }
    return `entity[${JSON.stringify(column.propertyName)}] = ${expression};`;
  });
  const toDate = (value: unknown) => (value === null || value === undefined || value instanceof Date ? value : new Date(value as string));
  // Generated once per entity: a monomorphic function V8 optimises like the hand-written mappers it replaces.
  const factory = new Function(
    "Target",
    "transformers",
    "toDate",
    `return function map(row) {\n  const entity = new Target();\n  ${lines.join("\n  ")}\n  return entity;\n};`,
  ) as (target: new () => T, transformers: unknown[], toDate: (value: unknown) => unknown) => (row: Record<string, unknown>) => T;
  return { select, map: factory(target, transformers, toDate) };
}
