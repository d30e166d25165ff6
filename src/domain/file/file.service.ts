import type { EntityManager } from "typeorm";
import { InvalidInputError, isForeignKeyViolation, NotFoundError } from "../shared/errors";
import type { Page } from "../shared/pagination";
import { deriveFileParts, PATH_MAX } from "./file-path";
import { TrackedFile } from "./tracked-file.entity";
import { pageNewestById } from "../shared/prepared-query";
import { requiredText } from "../shared/text";

/** The contract's limit per registerFiles call: 10,000 rows are one ~2 MB statement. */
export const MAX_FILES_PER_CALL = 10_000;
/** tracked_file.host is varchar(255). */
export const HOST_MAX = 255;

export interface FileProps {
  /** The machine the file lives on; 1..255 characters after trimming. */
  host: string;
  /** The run directory the file was found in. */
  runDir: string;
  /** Absolute path; filePath, fileName and fileType derive from it (see deriveFileParts). */
  fullName: string;
  /** Bytes, a non-negative safe integer. */
  fileSize: number;
}

export interface RegisterFilesResult {
  /** Rows that did not exist before. */
  created: number;
  /** Rows whose (host, fullName) existed: size and runDir (and queue item, when given) refreshed. */
  updated: number;
}

export interface RegisterFilesOptions {
  /** The queue item whose processing found these files. Null or absent keeps an existing row's link. */
  queueItemId?: number | null;
}

export interface FileFilterProps {
  /** Exact match. */
  host?: string | null;
  /** Exact match. */
  runDir?: string | null;
  /** Extension, with or without the dot; matched case-insensitively (stored lower case). */
  fileType?: string | null;
  /** Only files registered strictly after this time. */
  createdAfter?: Date | null;
}

export interface ListFilesProps {
  /** 1..500 */
  first: number;
  after?: string | null;
  filter?: FileFilterProps | null;
}

/** Cursor ordering tag; distinct from the queue's so a cursor of one list is refused by the other. */
const FILE_ORDER = "FILE_ID_DESC";

interface FileRow {
  host: string;
  runDir: string;
  filePath: string;
  fileName: string;
  fullName: string;
  fileType: string;
  fileSize: number;
}

function normalizeFile(file: FileProps, path: string): FileRow {
  if (file === null || typeof file !== "object") throw new InvalidInputError(`${path} must be an object`, path);
  const host = requiredText(file.host, `${path}.host`, HOST_MAX, true);
  // Paths are kept byte for byte (no trim): a trailing space is a legal, different file name.
  const runDir = requiredText(file.runDir, `${path}.runDir`, PATH_MAX, false);
  const parts = deriveFileParts(file.fullName, `${path}.fullName`);
  if (!Number.isSafeInteger(file.fileSize) || file.fileSize < 0) {
    throw new InvalidInputError(`${path}.fileSize must be a non-negative integer up to 2^53-1 (got ${file.fileSize})`, `${path}.fileSize`);
  }
  return { host, runDir, ...parts, fileSize: file.fileSize };
}

/**
 * Inserts or updates tracked files by (host, fullName), in one transaction and one
 * batched statement, so a call is all or nothing. An invalid entry is named by its
 * index (`files[12].fullName`) and nothing is written. Within one call a repeated
 * (host, fullName) counts once and its last occurrence wins: ON CONFLICT cannot
 * touch the same row twice in one statement.
 */
export async function registerFiles(
  em: EntityManager,
  files: readonly FileProps[],
  options: RegisterFilesOptions = {},
): Promise<RegisterFilesResult> {
  if (!Array.isArray(files)) throw new InvalidInputError("files must be a list", "files");
  if (files.length > MAX_FILES_PER_CALL) {
    throw new InvalidInputError(
      `at most ${MAX_FILES_PER_CALL} files per call (got ${files.length}); split the list`,
      "files",
      { max: MAX_FILES_PER_CALL, got: files.length },
    );
  }
  const queueItemId = options.queueItemId ?? null;
  if (queueItemId !== null && (!Number.isSafeInteger(queueItemId) || queueItemId < 1)) {
    throw new InvalidInputError(`queueItemId must be a positive integer id (got ${queueItemId})`, "queueItemId");
  }

  const byKey = new Map<string, FileRow>();
  files.forEach((file, i) => {
    const row = normalizeFile(file, `files[${i}]`);
    const key = JSON.stringify([row.host, row.fullName]);
    byKey.delete(key); // re-insert so iteration order follows the last occurrence
    byKey.set(key, row);
  });
  if (byKey.size === 0) return { created: 0, updated: 0 };
  // Same lock order in every call: two concurrent calls over overlapping files then
  // wait for each other instead of deadlocking.
  const rows = [...byKey.values()].sort((a, b) =>
    a.host < b.host ? -1 : a.host > b.host ? 1 : a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0,
  );

  try {
    return await em.transaction(async (tx) => {
      // xmax = 0 only on a row this statement inserted: it tells created from updated.
      const result: { inserted: boolean }[] = await tx.query(
        `INSERT INTO tracked_file (host, run_dir, file_path, file_name, full_name, file_type, file_size, queue_item_id)
         SELECT h, r, p, n, f, t, s, $8::int
         FROM unnest($1::varchar[], $2::text[], $3::text[], $4::text[], $5::text[], $6::varchar[], $7::bigint[]) AS u(h, r, p, n, f, t, s)
         ON CONFLICT (host, full_name) DO UPDATE SET
           run_dir = EXCLUDED.run_dir,
           file_size = EXCLUDED.file_size,
           queue_item_id = coalesce(EXCLUDED.queue_item_id, tracked_file.queue_item_id),
           updated_at = now()
         RETURNING (xmax = 0) AS inserted`,
        [
          rows.map((r) => r.host),
          rows.map((r) => r.runDir),
          rows.map((r) => r.filePath),
          rows.map((r) => r.fileName),
          rows.map((r) => r.fullName),
          rows.map((r) => r.fileType),
          rows.map((r) => r.fileSize),
          queueItemId,
        ],
      );
      const created = result.filter((r) => r.inserted).length;
      return { created, updated: result.length - created };
    });
  } catch (error) {
    if (isForeignKeyViolation(error) && queueItemId !== null) throw new NotFoundError("queue item", queueItemId);
    throw error;
  }
}

/** Lists tracked files newest first (by id) with keyset pagination. */
export async function listFiles(em: EntityManager, props: ListFilesProps): Promise<Page<TrackedFile>> {
  const { first, after, filter } = props;
  const createdAfter = filter?.createdAfter ?? null;
  if (createdAfter !== null && (!(createdAfter instanceof Date) || Number.isNaN(createdAfter.getTime()))) {
    throw new InvalidInputError("filter.createdAfter must be a valid date", "filter.createdAfter");
  }

  return pageNewestById(em, TrackedFile, "f", { first, after, order: FILE_ORDER }, [
    ["host", "f.host = ?", filter?.host],
    ["dir", "f.run_dir = ?", filter?.runDir],
    ["type", "f.file_type = ?", filter?.fileType?.replace(/^\./, "").toLowerCase()],
    ["since", "f.created_at > ?", createdAfter],
  ]);
}
