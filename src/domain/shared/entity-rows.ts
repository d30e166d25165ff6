import type { EntityManager, EntityMetadata } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";

/** The select list of an entity's columns and the one function that maps a selected row back to the entity. */
export interface EntityRows<T> {
  /** `alias.column, ...` (each `AS prefix_column` when a prefix is given), in the entity's column order. */
  readonly select: string;
  /** A row selected with `select` (or the same columns from json_agg) as an entity instance. */
  readonly map: (row: Record<string, unknown>) => T;
  /**
   * The row's columns as one text of comma-separated JSON values, in `select`'s
   * order, for `'[' || string_agg(packed, ',' ORDER BY ...) || ']'`: many rows
   * come back as one value (a child list per parent row), which `unpack` reads
   * with one native JSON.parse. Measured on 800 finance rows: about a quarter
   * of the client CPU of plain rows (a string per column and an object per row)
   * and of json_agg (objects with keys), for less PostgreSQL CPU than json_agg.
   */
  readonly packed: string;
  /** The entities in a `packed` aggregate (null, for no rows, is []). */
  readonly unpack: (text: string | null) => T[];
}

const built = new WeakMap<EntityMetadata, Map<string, EntityRows<unknown>>>();

const DATE_TYPES = new Set(["timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone", "date"]);
/** Types whose text output is already a JSON number (or true/false); others go through to_json. */
const JSON_NUMBER_TYPES = new Set(["integer", "int", "int4", "smallint", "int2", "bigint", "int8", "numeric", "decimal", "boolean", "bool"]);

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
  const map = factory(target, transformers, toDate);

  const packed = columns
    .map((column) => {
      const ref = `${alias}.${column.databaseName}`;
      // numeric NaN/Infinity would print as bare words; dashql refuses non-finite numbers on input (company.validation).
      const json = JSON_NUMBER_TYPES.has(String(column.type)) ? `${ref}::text` : `to_json(${ref})::text`;
      return column.isNullable ? `coalesce(${json}, 'null')` : json;
    })
    .join(" || ',' || ");
  const width = columns.length;
  const keys = columns.map(keyOf);
  const unpack = (text: string | null): T[] => {
    if (text === null || text === undefined) return [];
    const values = JSON.parse(text) as unknown[];
    const out = new Array<T>(values.length / width);
    const row: Record<string, unknown> = {};
    for (let i = 0, k = 0; i < values.length; i += width, k++) {
      for (let c = 0; c < width; c++) row[keys[c]] = values[i + c];
      out[k] = map(row);
    }
    return out;
  };
  return { select, map, packed, unpack };
}
