import type { EntityManager } from "typeorm";
import type { FileFilterProps } from "../file/file.service";
import { filterDate, filterText, MAX_GROUPS_PLUS_ONE, orderTerm, runAggregate, uniqueGroupBy } from "./analytics.shared";

const FILE_KEYS = {
  HOST: { column: "f.host", name: "host" },
  FILE_TYPE: { column: "f.file_type", name: "fileType" },
  RUN_DIR: { column: "f.run_dir", name: "runDir" },
} as const;
export type FileGroupBy = keyof typeof FILE_KEYS;

export interface FileAggregatesProps {
  /** Keys of a group, in the order groups are sorted by. Empty: one group over every file selected. */
  groupBy?: readonly FileGroupBy[] | null;
  /** The same filter as the `files` list. */
  filter?: FileFilterProps | null;
}

export interface FileAggregate {
  host: string | null;
  fileType: string | null;
  runDir: string | null;
  files: number;
  bytes: number;
  /** createdAt of the newest file in the group. */
  newest: Date;
}

interface FileAggregateRow {
  host?: string;
  fileType?: string;
  runDir?: string;
  files: string;
  bytes: string;
  newest: Date;
}

/**
 * Tracked files grouped by the given keys, in one SQL statement over the rollup
 * analytics_file_group or, with a createdAfter filter, over tracked_file.
 * Ordered by the keys in the order given; no matching files means no groups (a
 * group always has a newest file).
 */
export async function fileAggregates(em: EntityManager, props: FileAggregatesProps): Promise<FileAggregate[]> {
  const keys = uniqueGroupBy(props.groupBy, FILE_KEYS);
  const filter = props.filter ?? {};
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace("?", `$${values.length}`));
  };
  const host = filterText(filter.host, "filter.host");
  const runDir = filterText(filter.runDir, "filter.runDir");
  const fileType = filterText(filter.fileType, "filter.fileType");
  const createdAfter = filterDate(filter.createdAfter, "filter.createdAfter");
  if (host !== null) add("f.host = ?::text", host);
  if (runDir !== null) add("f.run_dir = ?::text", runDir);
  // As in listFiles: "xml" or ".xml", stored lower case without the dot.
  if (fileType !== null) add("f.file_type = ?::text", fileType.replace(/^\./, "").toLowerCase());
  if (createdAfter !== null) add("f.created_at > ?::timestamptz", createdAfter);

  // Without a createdAfter filter every key and filter is a column of the rollup
  // analytics_file_group (host, file_type, run_dir), kept current by triggers on
  // tracked_file in the writing transaction: a few thousand rows instead of every file.
  // With createdAfter the rollup cannot answer (it has no times but the newest): the base table.
  const rollup = createdAfter === null;
  const groupColumns = keys.map((key) => `${FILE_KEYS[key].column} AS "${FILE_KEYS[key].name}"`);
  const orderBy = keys.map((key) => orderTerm(FILE_KEYS[key].column, true));
  // file_size is bigint: its sum is numeric, sent as text by pg; within SafeInt for any real disk.
  const sql = `
    SELECT ${groupColumns.map((c) => `${c}, `).join("")}
           ${rollup ? "coalesce(sum(f.files), 0)::text" : "count(*)::text"} AS files,
           coalesce(sum(${rollup ? "f.bytes" : "f.file_size"}), 0)::text AS bytes,
           max(${rollup ? "f.newest" : "f.created_at"}) AS newest
      FROM ${rollup ? "analytics_file_group" : "tracked_file"} f
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ${groupColumns.length > 0 ? `GROUP BY ${groupColumns.map((_, i) => i + 1).join(", ")}` : ""}
     HAVING ${rollup ? "sum(f.files) > 0" : "count(*) > 0"}
      ${orderBy.length > 0 ? `ORDER BY ${orderBy.join(", ")}` : ""}
     LIMIT ${MAX_GROUPS_PLUS_ONE}`;
  const rows = await runAggregate<FileAggregateRow>(em, sql, values);
  return rows.map((row) => ({
    host: row.host ?? null,
    fileType: row.fileType ?? null,
    runDir: row.runDir ?? null,
    files: Number(row.files),
    bytes: Number(row.bytes),
    newest: row.newest,
  }));
}
