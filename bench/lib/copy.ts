/**
 * COPY ... FROM STDIN over a plain `pg` client, without pg-copy-streams (not a
 * dependency). pg hands any object with `submit()` the protocol messages of its
 * turn; this one answers CopyInResponse with the rows, then CopyDone. It is the
 * yardstick for bulk writes: the fastest way PostgreSQL takes rows.
 */
import type { Client } from "pg";

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromStdin {
  callback: ((error: Error | null, rowCount?: number) => void) | undefined;
  private rowCount = 0;
  private done = false;

  constructor(
    readonly text: string,
    private readonly chunks: readonly Buffer[],
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rowCount = Number(/(\d+)$/.exec(msg.text ?? "")?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    if (!this.done) {
      this.done = true;
      this.callback?.(null, this.rowCount);
    }
  }

  handleError(error: Error): void {
    if (!this.done) {
      this.done = true;
      this.callback?.(error);
    }
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Escapes one value for COPY's text format; null becomes \N. */
export function copyValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value !== "string") return String(value);
  return value.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));
}

/** Rows to COPY text format, in chunks of about 256 kB. */
export function copyChunks(rows: Iterable<readonly (string | number | boolean | null | undefined)[]>): Buffer[] {
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  let size = 0;
  for (const row of rows) {
    const line = row.map(copyValue).join("\t") + "\n";
    lines.push(line);
    size += line.length;
    if (size > 256 * 1024) {
      chunks.push(Buffer.from(lines.join("")));
      lines = [];
      size = 0;
    }
  }
  if (lines.length > 0) chunks.push(Buffer.from(lines.join("")));
  return chunks;
}

/** Runs `COPY table (columns) FROM STDIN` with the given rows; resolves to the row count. */
export function copyFrom(
  client: Client,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly (string | number | boolean | null | undefined)[]> | Buffer[],
): Promise<number> {
  const chunks = Array.isArray(rows) && (rows.length === 0 || Buffer.isBuffer(rows[0])) ? (rows as Buffer[]) : copyChunks(rows as Iterable<never>);
  const submittable = new CopyFromStdin(`COPY ${table} (${columns.join(", ")}) FROM STDIN`, chunks);
  return new Promise((resolve, reject) => {
    submittable.callback = (error, count) => (error ? reject(error) : resolve(count ?? 0));
    (client as unknown as { query(q: unknown): void }).query(submittable);
  });
}
