/**
 * The floor: what Node + PostgreSQL can do for each bench operation at best.
 * Plain node:http and pg, no GraphQL: each request is answered by ONE prepared
 * SQL statement that builds the whole JSON response inside PostgreSQL, and Node
 * only copies that text to the socket. It answers the bench's own requests
 * (dispatching on operationName) with the same JSON dashql returns for them, so
 * dashql's requests/s divided by the floor's is the share of the physical limit
 * dashql reaches.
 *
 *   DATABASE_URL=... PORT=... POOL_SIZE=10 node dist-bench/bench/floor-server.js
 * prints {"port": N} on stdout when listening; SIGTERM/SIGINT stop it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool, type QueryConfig } from "pg";

/** DateTime as dashql serializes it (JS Date#toISOString: milliseconds, Z). */
const ts = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The cursor dashql's keyset pages use: base64url of a JSON array. */
const b64url = (expr: string) => `rtrim(translate(encode(convert_to(${expr}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`;

/**
 * One company with its finances, newest year first, as a JSON object. numeric
 * goes out as-is (a JSON number equal to dashql's Float); casting to float8
 * first measured ~5% slower on Q1. row_to_json + string_agg was the fastest
 * form tried (hand-concatenated text was within noise).
 */
const companyObject = (c: string) => `(SELECT row_to_json(r) FROM (SELECT
    ${c}.id::text AS id, ${c}.name, ${c}.ceo, ${c}.business_type AS "businessType",
    ${ts(`${c}.created_at`)} AS "createdAt", ${ts(`${c}.updated_at`)} AS "updatedAt",
    (SELECT coalesce(json_agg(x ORDER BY x.year DESC), '[]') FROM (
       SELECT f.id::text AS id, f.year, f.q1_earnings AS "q1Earnings", f.q2_earnings AS "q2Earnings",
              f.q3_earnings AS "q3Earnings", f.q4_earnings AS "q4Earnings", f.total_earnings AS "totalEarnings"
         FROM finance f WHERE f.company_id = ${c}.id) x) AS finances) r)`;

const fileObject = (t: string) => `(SELECT row_to_json(r) FROM (SELECT
    ${t}.id::text AS id, ${ts(`${t}.created_at`)} AS "createdAt", ${t}.host, ${t}.run_dir AS "runDir", ${t}.file_path AS "filePath",
    ${t}.file_name AS "fileName", ${t}.full_name AS "fullName", ${t}.file_type AS "fileType", ${t}.file_size AS "fileSize") r)`;

/**
 * A keyset page: `rows` selects first+1 rows (in order) with a `cursor` text
 * column and the object's JSON as `j`; the extra row only sets hasNextPage.
 */
const connection = (field: string, rows: string, firstParam: string) => `
  WITH page AS (SELECT p.*, row_number() OVER () AS n FROM (${rows}) p)
  SELECT '{"data":{"${field}":{"nodes":[' || coalesce((SELECT string_agg(j::text, ',' ORDER BY n) FROM page WHERE n <= ${firstParam}), '')
      || '],"pageInfo":{"hasNextPage":' || ((SELECT count(*) FROM page) > ${firstParam})::text
      || ',"endCursor":' || coalesce((SELECT to_json(cursor)::text FROM page WHERE n <= ${firstParam} ORDER BY n DESC LIMIT 1), 'null')
      || '}}}}' AS body`;

const companyPage = (where: string) =>
  connection(
    "companies",
    `SELECT ${companyObject("c")} AS j,
            ${b64url(`'["NAME_ASC",' || to_json(lower(c.name))::text || ',' || c.id || ']'`)} AS cursor
       FROM company c ${where}
      ORDER BY lower(c.name), c.id LIMIT $1 + 1`,
    "$1",
  );

const filePage = (where: string) =>
  connection(
    "files",
    `SELECT ${fileObject("t")} AS j, ${b64url(`'["FILE_ID_DESC",' || t.id || ']'`)} AS cursor
       FROM tracked_file t WHERE t.file_type = $2 ${where}
      ORDER BY t.id DESC LIMIT $1 + 1`,
    "$1",
  );

const queuePage = (where: string) =>
  connection(
    "queue",
    `SELECT (SELECT row_to_json(r) FROM (SELECT
         q.id::text AS id, ${ts("q.created_at")} AS "createdAt", ${ts("q.time_to_live")} AS "timeToLive", q.run_dir AS "runDir",
         q.owner, q.site, q.host, q.run_tag AS "runTag", q.user_tag AS "userTag", q.status, q.attempts,
         ${ts("q.started_at")} AS "startedAt", ${ts("q.finished_at")} AS "finishedAt", q.last_error AS "lastError",
         CASE WHEN q.summary IS NULL THEN NULL ELSE json_build_object(
           'tests', (q.summary->>'tests')::int, 'failures', (q.summary->>'failures')::int, 'errors', (q.summary->>'errors')::int,
           'skipped', (q.summary->>'skipped')::int, 'durationSeconds', (q.summary->>'durationSeconds')::float8) END AS summary,
         (SELECT coalesce(json_agg(fj ORDER BY fid DESC), '[]') FROM (
            SELECT t.id AS fid, ${fileObject("t")} AS fj FROM tracked_file t WHERE t.queue_item_id = q.id ORDER BY t.id DESC LIMIT $2) fs) AS files
       ) r) AS j, ${b64url(`'["QUEUE_ID_DESC",' || q.id || ']'`)} AS cursor
       FROM queue_item q ${where}
      ORDER BY q.id DESC LIMIT $1 + 1`,
    "$1",
  );

const STATEMENTS = {
  q1: companyPage(""),
  q1After: companyPage("WHERE (lower(c.name), c.id) > ($2, $3)"),
  q2: `SELECT coalesce((SELECT '{"data":{"company":' || ${companyObject("c")}::text || '}}' FROM company c WHERE c.id = $1),
                       '{"data":{"company":null}}') AS body`,
  q3: queuePage(""),
  q3After: queuePage("WHERE q.id < $3"),
  q4: filePage(""),
  q4After: filePage("AND t.id < $3"),
  m1: `WITH c AS (
         INSERT INTO company (name, ceo, business_type) VALUES ($1, $2, $3)
         RETURNING id, name, ceo, business_type, created_at, updated_at),
       f AS (
         INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
         SELECT c.id, u.* FROM c, unnest($4::int[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[]) u
         RETURNING id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings)
       SELECT '{"data":{"createCompany":' || (SELECT row_to_json(r) FROM (SELECT
           c.id::text AS id, c.name, c.ceo, c.business_type AS "businessType",
           ${ts("c.created_at")} AS "createdAt", ${ts("c.updated_at")} AS "updatedAt",
           (SELECT coalesce(json_agg(x ORDER BY x.year DESC), '[]') FROM (
              SELECT f.id::text AS id, f.year, f.q1_earnings AS "q1Earnings", f.q2_earnings AS "q2Earnings",
                     f.q3_earnings AS "q3Earnings", f.q4_earnings AS "q4Earnings", f.total_earnings AS "totalEarnings"
                FROM f) x) AS finances) r)::text || '}}' AS body
         FROM c`,
} as const;

type Variables = Record<string, unknown>;

function decodeCursor(cursor: unknown): unknown[] {
  if (typeof cursor !== "string") throw new Error("after must be a string");
  const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!Array.isArray(decoded)) throw new Error("after is not a cursor");
  return decoded;
}

/** The last number in a cursor: the id every keyset here ends with. */
const cursorId = (cursor: unknown) => {
  const values = decodeCursor(cursor);
  return Number(values[values.length - 1]);
};

function statementFor(operation: string, v: Variables): QueryConfig {
  const first = Number(v.first ?? 20);
  switch (operation) {
    case "Q1": {
      if (v.after == null) return { name: "q1", text: STATEMENTS.q1, values: [first] };
      const [, key, id] = decodeCursor(v.after);
      return { name: "q1a", text: STATEMENTS.q1After, values: [first, key, id] };
    }
    case "Q2":
      return { name: "q2", text: STATEMENTS.q2, values: [Number(v.id)] };
    case "Q3": {
      const filesFirst = Number(v.filesFirst ?? 100);
      if (v.after == null) return { name: "q3", text: STATEMENTS.q3, values: [first, filesFirst] };
      return { name: "q3a", text: STATEMENTS.q3After, values: [first, filesFirst, cursorId(v.after)] };
    }
    case "Q4":
      if (v.after == null) return { name: "q4", text: STATEMENTS.q4, values: [first, v.fileType ?? null] };
      return { name: "q4a", text: STATEMENTS.q4After, values: [first, v.fileType ?? null, cursorId(v.after)] };
    case "M1": {
      const input = v.input as { name: string; ceo?: string; businessType?: string; finances?: Record<string, number | null>[] };
      const fin = input.finances ?? [];
      return {
        name: "m1",
        text: STATEMENTS.m1,
        values: [
          input.name,
          input.ceo ?? null,
          input.businessType ?? null,
          fin.map((f) => f.year),
          fin.map((f) => f.q1Earnings ?? null),
          fin.map((f) => f.q2Earnings ?? null),
          fin.map((f) => f.q3Earnings ?? null),
          fin.map((f) => f.q4Earnings ?? null),
        ],
      };
    }
    default:
      throw new Error(`the floor does not know operation ${operation}`);
  }
}

function send(res: http.ServerResponse, body: string): void {
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "x-sql-statements": "1",
  });
  res.end(body);
}

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL_SIZE ?? 10),
    application_name: "dashql-bench-floor",
  });
  pool.on("error", () => undefined);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let statement: QueryConfig;
      try {
        const { operationName, variables } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { operationName: string; variables?: Variables };
        statement = statementFor(operationName, variables ?? {});
      } catch (error) {
        return send(res, JSON.stringify({ errors: [{ message: String(error), extensions: { code: "BAD_USER_INPUT" } }] }));
      }
      pool.query<{ body: string }>(statement).then(
        (result) => send(res, result.rows[0]?.body ?? '{"data":null}'),
        (error: Error & { code?: string }) =>
          send(res, JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code === "23505" ? "CONFLICT" : "INTERNAL_SERVER_ERROR" } }] })),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + "\n");
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main().catch((error) => {
  process.stderr.write(`floor: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
