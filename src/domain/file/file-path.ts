import { posix, win32 } from "node:path";
import { InvalidInputError } from "../shared/errors";
import { text } from "../shared/text";

/** Longest path accepted; Linux PATH_MAX is 4096 bytes. */
export const PATH_MAX = 4096;
/** tracked_file.file_type is varchar(64). */
export const FILE_TYPE_MAX = 64;

export interface FileParts {
  /** The normalized absolute path: the stored fullName. */
  fullName: string;
  /** Directory of the file. */
  filePath: string;
  fileName: string;
  /** Extension without the dot, lower case; "" when there is none. */
  fileType: string;
}

const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/**
 * Splits an absolute path into the parts tracked_file stores.
 *
 * POSIX paths ("/data/run/a.xml") are the normal case. Windows drive paths
 * ("C:\\runs\\a.xml", or with forward slashes) are accepted too, because runs may
 * be scanned on Windows build machines; they are normalized to backslashes and an
 * upper-case drive letter so the same file always gets the same (host, fullName)
 * key. Case is otherwise kept: Windows file names are case-insensitive, but
 * folding them would change what clients see. UNC paths ("\\\\server\\share") and
 * relative paths are refused: they do not name a file on `host`.
 *
 * "." and ".." segments and repeated separators are resolved lexically. A path
 * ending in a separator names a directory and is refused. The extension follows
 * node's `extname`: ".bashrc" and "Makefile" have none, "a.tar.gz" is "gz"; an
 * "extension" longer than 64 characters is not treated as one (fileType "").
 */
export function deriveFileParts(value: unknown, field: string): FileParts {
  const fullName = text(value, field, PATH_MAX);
  if (fullName.length === 0) throw new InvalidInputError(`${field} must not be empty`, field);

  const windows = WINDOWS_DRIVE.test(fullName);
  if (!windows && !fullName.startsWith("/")) {
    throw new InvalidInputError(`${field} must be an absolute path ("/..." or "C:\\..."), got "${fullName}"`, field);
  }
  const lib = windows ? win32 : posix;
  const sep = windows ? "\\" : "/";
  let normalized = lib.normalize(windows ? fullName.replace(/\//g, "\\") : fullName);
  if (windows) normalized = normalized[0].toUpperCase() + normalized.slice(1);
  // POSIX keeps a leading "//" (implementation-defined meaning); one root is what every scanner sends.
  if (!windows) normalized = normalized.replace(/^\/+/, "/");

  if (normalized.endsWith(sep)) {
    throw new InvalidInputError(`${field} must name a file, not a directory: "${fullName}"`, field);
  }
  const fileName = lib.basename(normalized);
  const filePath = lib.dirname(normalized);
  const ext = lib.extname(fileName).slice(1).toLowerCase();
  return { fullName: normalized, filePath, fileName, fileType: ext.length <= FILE_TYPE_MAX ? ext : "" };
}
