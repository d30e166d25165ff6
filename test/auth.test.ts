import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, type GraphQLObjectType } from "graphql";
import { createApiKey } from "../src/domain/api-key/api-key.service";
import { User, type Role } from "../src/domain/user/user.entity";
import { createUser } from "../src/domain/user/user.service";
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateUserDocument,
  MeDocument,
  RevokeApiKeyDocument,
  UsersDocument,
} from "./generated/graphql";
import { errorCodes, useTestServer } from "./support/server";

const t = useTestServer();

const sql = (text: string, params: unknown[] = []) => t.app.database.dataSource.query(text, params);
const count = async (text: string, params: unknown[] = []) => Number((await sql(text, params))[0].n);
const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

/** POSTs `{ me { username } }` with an arbitrary Authorization header (or none). */
async function meWithHeader(authorization: string | undefined) {
  const res = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query: "{ me { username role } }" }),
  });
  const body = (await res.json()) as { data?: { me: { username: string; role: string } } | null; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, body, codes: (body.errors ?? []).map((e) => e.extensions?.code) };
}

/** A user with a key of its own, made through the domain (the tests below exercise the API, not the setup). */
async function userWithKey(username: string, role: Role) {
  const em = t.app.database.dataSource.manager;
  const user = await createUser(em, { username, role });
  const { token, apiKey } = await createApiKey(em, user, { name: `${username} key` });
  return { user, token, keyId: String(apiKey.id) };
}

describe("me", () => {
  it.each(["READER", "WRITER", "ADMIN"] as const)("tells a %s key who it belongs to", async (role) => {
    const res = await t.request(MeDocument, {}, { role });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.me).toMatchObject({ username: `test-${role.toLowerCase()}`, role, email: null });
  });

  it("answers UNAUTHENTICATED without a key", async () => {
    const res = await t.request(MeDocument, {}, { token: null });
    expect(errorCodes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.body.data ?? null).toBeNull();
  });
});

describe("users and createUser", () => {
  it("lists every user to an ADMIN and refuses READER and WRITER with FORBIDDEN", async () => {
    const admin = await t.request(UsersDocument, {}, { role: "ADMIN" });
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data!.users.map((u) => u.username)).toEqual(expect.arrayContaining(["test-reader", "test-writer", "test-admin"]));
    for (const role of ["READER", "WRITER"] as const) {
      const res = await t.request(UsersDocument, {}, { role });
      expect(errorCodes(res)).toEqual(["FORBIDDEN"]);
      expect(res.body.data ?? null).toBeNull();
    }
  });

  it("creates a user, then answers CONFLICT for the same name in another case", async () => {
    const created = await t.request(CreateUserDocument, { input: { username: "Alice.Smith", email: "alice@example.com", role: "WRITER" } });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data!.createUser).toMatchObject({ username: "Alice.Smith", email: "alice@example.com", role: "WRITER" });
    const again = await t.request(CreateUserDocument, { input: { username: "alice.SMITH", role: "READER" } });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(await count(`SELECT count(*) AS n FROM app_user WHERE lower(username) = 'alice.smith'`)).toBe(1);
  });

  it.each([
    ["a username with a space", { username: "bad name", role: "READER" }, "username"],
    ["an empty username", { username: "  ", role: "READER" }, "username"],
    ["a 65-character username", { username: "u".repeat(65), role: "READER" }, "username"],
    ["an email without @", { username: "mailless", email: "not-an-email", role: "READER" }, "email"],
  ] as const)("refuses %s with BAD_USER_INPUT naming the field and creates nothing", async (_label, input, field) => {
    const before = await count(`SELECT count(*) AS n FROM app_user`);
    const res = await t.request(CreateUserDocument, { input: { ...input, role: input.role as Role } });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].extensions!.field).toBe(field);
    expect(await count(`SELECT count(*) AS n FROM app_user`)).toBe(before);
  });

  it("refuses a role that does not exist with BAD_USER_INPUT", async () => {
    const res = await t.raw(`mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { username: "superuser", role: "ROOT" },
    });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(await count(`SELECT count(*) AS n FROM app_user WHERE username = 'superuser'`)).toBe(0);
  });

  it("refuses createUser to a WRITER with FORBIDDEN and creates nothing", async () => {
    const res = await t.request(CreateUserDocument, { input: { username: "sneaky", role: "ADMIN" } }, { role: "WRITER" });
    expect(errorCodes(res)).toEqual(["FORBIDDEN"]);
    expect(await count(`SELECT count(*) AS n FROM app_user WHERE username = 'sneaky'`)).toBe(0);
  });
});

describe("createApiKey", () => {
  it.each(["READER", "WRITER", "ADMIN"] as const)("gives a %s a key of its own that works at once", async (role) => {
    const res = await t.request(CreateApiKeyDocument, { name: `laptop of ${role}` }, { role });
    expect(res.body.errors).toBeUndefined();
    const { token, apiKey } = res.body.data!.createApiKey;
    expect(token).toMatch(/^dq_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.user.username).toBe(`test-${role.toLowerCase()}`);
    const me = await t.request(MeDocument, {}, { token });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data!.me).toMatchObject({ username: `test-${role.toLowerCase()}`, role });
  });

  it("stores only the SHA-256 of the token: no column of any table contains the token", async () => {
    const res = await t.request(CreateApiKeyDocument, { name: "hash check" }, { role: "READER" });
    const { token, apiKey } = res.body.data!.createApiKey;
    const [row] = await sql(`SELECT token_hash FROM api_key WHERE id = $1`, [apiKey.id]);
    expect(row.token_hash).not.toBe(token);
    expect(row.token_hash).toBe(sha256(token));
    const secret = token.slice("dq_".length);
    const tables: { table_name: string }[] = await sql(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((r) => r.table_name)).toContain("api_key");
    for (const { table_name } of tables) {
      // A row cast to text includes every column.
      const hits = await count(`SELECT count(*) AS n FROM "${table_name}" r WHERE strpos(r::text, $1) > 0`, [secret]);
      expect({ table_name, hits }).toEqual({ table_name, hits: 0 });
    }
  });

  it("lets an ADMIN create a key for another user; that key acts as that user", async () => {
    const { user } = await userWithKey("key-receiver", "WRITER");
    const res = await t.request(CreateApiKeyDocument, { name: "issued by admin", userId: String(user.id) }, { role: "ADMIN" });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.createApiKey.apiKey.user.username).toBe("key-receiver");
    const me = await t.request(MeDocument, {}, { token: res.body.data!.createApiKey.token });
    expect(me.body.data!.me).toMatchObject({ username: "key-receiver", role: "WRITER" });
  });

  it.each(["READER", "WRITER"] as const)("refuses a %s creating a key for another user with FORBIDDEN", async (role) => {
    const { user } = await userWithKey(`victim-of-${role.toLowerCase()}`, "ADMIN");
    const keysBefore = await count(`SELECT count(*) AS n FROM api_key WHERE user_id = $1`, [user.id]);
    const res = await t.request(CreateApiKeyDocument, { name: "stolen", userId: String(user.id) }, { role });
    expect(errorCodes(res)).toEqual(["FORBIDDEN"]);
    expect(await count(`SELECT count(*) AS n FROM api_key WHERE user_id = $1`, [user.id])).toBe(keysBefore);
  });

  it("answers NOT_FOUND to an ADMIN naming a user that does not exist", async () => {
    const res = await t.request(CreateApiKeyDocument, { name: "nobody's", userId: "987654" }, { role: "ADMIN" });
    expect(errorCodes(res)).toEqual(["NOT_FOUND"]);
  });

  it("refuses an empty key name with BAD_USER_INPUT", async () => {
    const res = await t.request(CreateApiKeyDocument, { name: "   " }, { role: "READER" });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("apiKeys", () => {
  it("shows a non-admin only its own keys and an ADMIN everyone's", async () => {
    const other = await userWithKey("someone-else", "READER");
    const asReader = await t.request(ApiKeysDocument, {}, { role: "READER" });
    expect(asReader.body.errors).toBeUndefined();
    const readerKeys = asReader.body.data!.apiKeys;
    expect(readerKeys.length).toBeGreaterThan(0);
    expect(new Set(readerKeys.map((k) => k.user.username))).toEqual(new Set(["test-reader"]));
    expect(readerKeys.map((k) => k.id)).not.toContain(other.keyId);

    const asAdmin = await t.request(ApiKeysDocument, {}, { role: "ADMIN" });
    const adminKeys = asAdmin.body.data!.apiKeys;
    expect(adminKeys.map((k) => k.id)).toContain(other.keyId);
    expect(adminKeys.length).toBe(await count(`SELECT count(*) AS n FROM api_key`));
  });

  it("never returns the token or its hash", async () => {
    const res = await t.raw(`{ apiKeys { __typename } }`, {}, { role: "ADMIN" });
    expect(res.body.errors).toBeUndefined();
    const fields = await t.raw(`{ __type(name: "ApiKey") { fields { name } } }`, {}, { role: "ADMIN" });
    const names = fields.body.data.__type.fields.map((f: { name: string }) => f.name);
    expect(names).not.toContain("token");
    expect(names).not.toContain("tokenHash");
  });
});

describe("revokeApiKey", () => {
  it("makes the key fail with UNAUTHENTICATED on the very next request", async () => {
    const { token, keyId } = await userWithKey("short-lived", "WRITER");
    // Used once first, so the server's authentication cache holds the key when it is revoked.
    expect((await t.request(MeDocument, {}, { token })).body.data!.me.username).toBe("short-lived");
    const revoked = await t.request(RevokeApiKeyDocument, { id: keyId }, { token });
    expect(revoked.body.errors).toBeUndefined();
    expect(revoked.body.data!.revokeApiKey).toBe(true);
    const after = await t.request(MeDocument, {}, { token });
    expect(after.status).toBe(401);
    expect(errorCodes(after)).toEqual(["UNAUTHENTICATED"]);
    const [row] = await sql(`SELECT revoked_at FROM api_key WHERE id = $1`, [keyId]);
    expect(row.revoked_at).toBeInstanceOf(Date);
  });

  it("lets an ADMIN revoke another user's key", async () => {
    const { token, keyId } = await userWithKey("revoked-by-admin", "READER");
    expect((await t.request(MeDocument, {}, { token })).body.errors).toBeUndefined();
    const res = await t.request(RevokeApiKeyDocument, { id: keyId }, { role: "ADMIN" });
    expect(res.body.data!.revokeApiKey).toBe(true);
    expect(errorCodes(await t.request(MeDocument, {}, { token }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("answers NOT_FOUND to a non-admin revoking another user's key, which keeps working", async () => {
    const { token, keyId } = await userWithKey("not-yours", "READER");
    for (const role of ["READER", "WRITER"] as const) {
      const res = await t.request(RevokeApiKeyDocument, { id: keyId }, { role });
      expect(errorCodes(res)).toEqual(["NOT_FOUND"]);
    }
    const me = await t.request(MeDocument, {}, { token });
    expect(me.body.errors).toBeUndefined();
    expect(await count(`SELECT count(*) AS n FROM api_key WHERE id = $1 AND revoked_at IS NULL`, [keyId])).toBe(1);
  });

  it("answers NOT_FOUND for a key id that does not exist", async () => {
    const res = await t.request(RevokeApiKeyDocument, { id: "876543" }, { role: "ADMIN" });
    expect(errorCodes(res)).toEqual(["NOT_FOUND"]);
  });
});

describe("the Authorization header", () => {
  it.each([
    ["Basic credentials", "Basic dXNlcjpwYXNz"],
    ["Bearer without a token", "Bearer"],
    ["Bearer with two words", "Bearer dq_a dq_b"],
    ["a bare token", "dq_just-the-token-without-scheme"],
  ])("refuses %s with UNAUTHENTICATED and HTTP 401", async (_label, header) => {
    const res = await meWithHeader(header);
    expect(res.status).toBe(401);
    expect(res.codes).toEqual(["UNAUTHENTICATED"]);
    expect(res.body.data ?? null).toBeNull();
  });

  it("refuses an unknown key with UNAUTHENTICATED and HTTP 401", async () => {
    const res = await meWithHeader(`Bearer dq_${"A".repeat(43)}`);
    expect(res.status).toBe(401);
    expect(res.codes).toEqual(["UNAUTHENTICATED"]);
  });

  it("accepts the scheme in any case", async () => {
    const res = await meWithHeader(`bearer ${t.tokens.READER}`);
    expect(res.status).toBe(200);
    expect(res.body.data!.me.username).toBe("test-reader");
  });
});

// ---------------------------------------------------------------- role matrix

type Access = "READER" | "WRITER" | "ADMIN";
const LEVEL: Record<Access, number> = { READER: 0, WRITER: 1, ADMIN: 2 };

interface MatrixRow {
  /** The root field under test. */
  field: string;
  kind: "query" | "mutation";
  /** Lowest role the contract lets through ("any authenticated user" is READER). */
  needs: Access;
  query: string;
  /** Variables with which an allowed caller succeeds without any error. */
  variables: (role: Role) => Promise<Record<string, unknown>> | Record<string, unknown>;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

async function matrixCompanyId(): Promise<string> {
  const [row] = await sql(`INSERT INTO company (name) VALUES ($1) RETURNING id`, [unique("Matrix Co")]);
  return String(row.id);
}

async function queuedItemId(): Promise<string> {
  const [row] = await sql(
    `INSERT INTO queue_item (run_dir, owner, time_to_live) VALUES ($1, 'matrix', now() + interval '1 day') RETURNING id`,
    [unique("/runs/matrix")],
  );
  return String(row.id);
}

/**
 * Every root field of the contract with the lowest role that may call it:
 * queries READER, data mutations WRITER, users/createUser ADMIN, the caller's own
 * keys any authenticated user.
 */
const MATRIX: MatrixRow[] = [
  { field: "me", kind: "query", needs: "READER", query: `{ me { id } }`, variables: () => ({}) },
  {
    field: "company",
    kind: "query",
    needs: "READER",
    query: `query($id: ID!) { company(id: $id) { id } }`,
    variables: async () => ({ id: await matrixCompanyId() }),
  },
  { field: "companies", kind: "query", needs: "READER", query: `{ companies(first: 1) { totalCount } }`, variables: () => ({}) },
  { field: "files", kind: "query", needs: "READER", query: `{ files(first: 1) { totalCount } }`, variables: () => ({}) },
  { field: "queue", kind: "query", needs: "READER", query: `{ queue(first: 1) { totalCount } }`, variables: () => ({}) },
  {
    field: "queueItem",
    kind: "query",
    needs: "READER",
    query: `query($id: ID!) { queueItem(id: $id) { id status } }`,
    variables: async () => ({ id: await queuedItemId() }),
  },
  { field: "users", kind: "query", needs: "ADMIN", query: `{ users { id } }`, variables: () => ({}) },
  { field: "apiKeys", kind: "query", needs: "READER", query: `{ apiKeys { id } }`, variables: () => ({}) },
  { field: "financeAggregates", kind: "query", needs: "READER", query: `{ financeAggregates(groupBy: [YEAR]) { count } }`, variables: () => ({}) },
  { field: "runAggregates", kind: "query", needs: "READER", query: `{ runAggregates(groupBy: [STATUS]) { runs } }`, variables: () => ({}) },
  { field: "fileAggregates", kind: "query", needs: "READER", query: `{ fileAggregates(groupBy: [HOST]) { files } }`, variables: () => ({}) },
  {
    field: "createCompany",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`,
    variables: () => ({ input: { name: unique("Matrix New") } }),
  },
  {
    field: "updateCompany",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($id: ID!, $input: UpdateCompanyInput!) { updateCompany(id: $id, input: $input) { id } }`,
    variables: async (role) => ({ id: await matrixCompanyId(), input: { ceo: `CEO set by ${role}` } }),
  },
  {
    field: "deleteCompany",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($id: ID!) { deleteCompany(id: $id) }`,
    variables: async () => ({ id: await matrixCompanyId() }),
  },
  {
    field: "upsertFinances",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($id: ID!, $f: [FinanceInput!]!) { upsertFinances(companyId: $id, finances: $f) { id } }`,
    variables: async () => ({ id: await matrixCompanyId(), f: [{ year: 2024, q1Earnings: 1 }] }),
  },
  {
    field: "importCompanies",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($c: [CompanyImportInput!]!) { importCompanies(companies: $c) { companiesCreated } }`,
    variables: () => ({ c: [{ name: unique("Matrix Import") }] }),
  },
  {
    field: "registerFiles",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($files: [FileInput!]!) { registerFiles(files: $files) { created updated } }`,
    variables: () => ({ files: [{ host: "matrix-host", runDir: "/runs/matrix", fullName: `/runs/matrix/${unique("f")}.xml`, fileSize: 1 }] }),
  },
  {
    field: "enqueueRuns",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($runs: [EnqueueRunInput!]!) { enqueueRuns(runs: $runs) { id } }`,
    variables: () => ({ runs: [{ runDir: unique("/runs/enqueued"), owner: "matrix" }] }),
  },
  {
    field: "cancelQueueItem",
    kind: "mutation",
    needs: "WRITER",
    query: `mutation($id: ID!) { cancelQueueItem(id: $id) { id status } }`,
    variables: async () => ({ id: await queuedItemId() }),
  },
  {
    field: "purgeQueue",
    kind: "mutation",
    needs: "WRITER",
    // Far in the future: removes nothing, so the matrix does not disturb other rows.
    query: `mutation($after: DateTime!) { purgeQueue(timeToLiveAfter: $after) }`,
    variables: () => ({ after: "2999-01-01T00:00:00.000Z" }),
  },
  {
    field: "createUser",
    kind: "mutation",
    needs: "ADMIN",
    query: `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
    variables: () => ({ input: { username: unique("matrix-user"), role: "READER" } }),
  },
  {
    field: "createApiKey",
    kind: "mutation",
    needs: "READER",
    query: `mutation($name: String!) { createApiKey(name: $name) { token } }`,
    variables: () => ({ name: unique("matrix key") }),
  },
  {
    field: "revokeApiKey",
    kind: "mutation",
    needs: "READER",
    query: `mutation($id: ID!) { revokeApiKey(id: $id) }`,
    // A second key of the caller's own user, so the caller's test key survives.
    variables: async (role) => {
      const em = t.app.database.dataSource.manager;
      const user = await em.findOneByOrFail(User, { username: `test-${role.toLowerCase()}` });
      const { apiKey } = await createApiKey(em, user, { name: unique("to revoke") });
      return { id: String(apiKey.id) };
    },
  },
];

describe("role matrix", () => {
  it("covers every Query and Mutation field of the emitted schema", () => {
    const schema = buildSchema(readFileSync(path.join(__dirname, "../schema.graphql"), "utf8"));
    const rootFields = (type: GraphQLObjectType | null | undefined) => Object.keys(type?.getFields() ?? {});
    const inMatrix = new Set(MATRIX.map((row) => `${row.kind}.${row.field}`));
    const missing = [
      ...rootFields(schema.getQueryType()).map((f) => `query.${f}`),
      ...rootFields(schema.getMutationType()).map((f) => `mutation.${f}`),
    ].filter((f) => !inMatrix.has(f));
    expect(missing).toEqual([]);
  });

  const cases = MATRIX.flatMap((row) =>
    (["none", "READER", "WRITER", "ADMIN"] as const).map((caller) => {
      const expected = caller === "none" ? "UNAUTHENTICATED" : LEVEL[caller] >= LEVEL[row.needs] ? "allowed" : "FORBIDDEN";
      return [`${row.kind} ${row.field}`, caller, expected, row] as const;
    }),
  );

  /** Every row of every table (api_key without last_used_at, which the server writes in the background). */
  async function fingerprint(): Promise<string> {
    const [row] = await sql(`SELECT md5(concat_ws('|',
      (SELECT string_agg(r::text, ',' ORDER BY id) FROM company r),
      (SELECT string_agg(r::text, ',' ORDER BY id) FROM finance r),
      (SELECT string_agg(r::text, ',' ORDER BY id) FROM app_user r),
      (SELECT string_agg(concat_ws(':', id, user_id, name, revoked_at), ',' ORDER BY id) FROM api_key),
      (SELECT string_agg(r::text, ',' ORDER BY id) FROM queue_item r),
      (SELECT string_agg(r::text, ',' ORDER BY id) FROM tracked_file r))) AS h`);
    return row.h;
  }

  it.each(cases)("%s as %s: %s", async (_name, caller, expected, row) => {
    const variables = await row.variables(caller === "none" ? "READER" : caller);
    const before = expected === "allowed" ? undefined : await fingerprint();
    const res = await t.raw(row.query, variables, caller === "none" ? { token: null } : { role: caller });
    if (expected === "allowed") {
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.[row.field]).not.toBeUndefined();
    } else {
      expect(errorCodes(res)).toEqual([expected]);
      // A nullable root field (company, queueItem) is nulled by its error; the others null all of `data`.
      expect(res.body.data?.[row.field] ?? null).toBeNull();
      expect(await fingerprint()).toBe(before);
    }
  });
});
