import "reflect-metadata";
import { print, type ExecutionResult } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { loadConfig, type Config } from "../../src/config/config";
import { createLogger } from "../../src/config/logger";
import { createApiKey } from "../../src/domain/api-key/api-key.service";
import { createUser } from "../../src/domain/user/user.service";
import type { Role } from "../../src/domain/user/user.entity";
import { startApp, type App, type AppOptions } from "../../src/server/app";
import { createTestDatabase, type TestDatabase } from "./database";

import type { ResponseError } from "./response-error";

export type { ResponseError };

export interface GraphQLResponse<T> {
  status: number;
  body: Omit<ExecutionResult<T>, "errors"> & { errors?: ResponseError[] };
  /** SQL statements the server issued for this request (X-SQL-Statements). */
  statements: number;
  headers: Headers;
}

export interface TestServer {
  app: App;
  db: TestDatabase;
  config: Config;
  /** GraphQL endpoint URL. */
  url: string;
  /** One API key per role, plus `none` for no Authorization header. */
  tokens: Record<Role, string>;
  /** Sends a typed document (from test/generated) as a client would. */
  request<TResult, TVars>(
    document: TypedDocumentNode<TResult, TVars>,
    variables?: TVars,
    options?: { token?: string | null; role?: Role },
  ): Promise<GraphQLResponse<TResult>>;
  /** Sends raw query text (for malformed or deliberately odd operations). */
  raw(query: string, variables?: Record<string, unknown>, options?: { token?: string | null; role?: Role }): Promise<GraphQLResponse<any>>;
  stop(): Promise<void>;
}

/**
 * Starts the real server in this process on a free port, on a fresh database
 * cloned from the migrated template, with one user and key per role.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    /** Run on this (already migrated) database instead of a fresh one; it is not dropped on stop. Usernames get a suffix. */
    database?: TestDatabase;
    /** Extra Apollo plugins for the server (e.g. one that records what the pipeline sees). */
    plugins?: AppOptions["plugins"];
  } = {},
): Promise<TestServer> {
  const shared = options.database;
  const db = shared ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    DB_POOL_SIZE: "5",
    ...env,
  });
  const logger = createLogger(config, "dashql-test");
  let app: App;
  try {
    app = await startApp(config, logger, { plugins: options.plugins });
  } catch (error) {
    if (!shared) await db.drop();
    throw error;
  }
  const em = app.database.dataSource.manager;
  const tokens = {} as Record<Role, string>;
  for (const role of ["READER", "WRITER", "ADMIN"] as const) {
    const suffix = shared ? `-${app.server.port}` : "";
    const user = await createUser(em, { username: `test-${role.toLowerCase()}${suffix}`, role });
    tokens[role] = (await createApiKey(em, user, { name: `${role} key` })).token;
  }
  const url = `http://127.0.0.1:${app.server.port}/graphql`;

  const send = async <T>(query: string, variables: unknown, options: { token?: string | null; role?: Role } = {}): Promise<GraphQLResponse<T>> => {
    const token = options.token === undefined ? tokens[options.role ?? "ADMIN"] : options.token;
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GraphQLResponse<T>["body"];
    return { status: res.status, body, statements: Number(res.headers.get("x-sql-statements") ?? NaN), headers: res.headers };
  };

  return {
    app,
    db,
    config,
    url,
    tokens,
    request: <TResult, TVars>(document: TypedDocumentNode<TResult, TVars>, variables?: TVars, options?: { token?: string | null; role?: Role }) =>
      send<TResult>(print(document), variables, options),
    raw: (query, variables, options) => send(query, variables, options),
    stop: async () => {
      await app.stop();
      if (!shared) await db.drop();
    },
  };
}

/** The `extensions.code` of every error, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): (string | undefined)[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}

/**
 * One server for the calling test file: started in beforeAll, stopped in
 * afterAll. The returned object is filled in when beforeAll has run, so use it
 * inside tests and hooks only.
 */
export function useTestServer(env: Record<string, string> = {}): TestServer {
  const server = {} as TestServer;
  beforeAll(async () => {
    Object.assign(server, await startTestServer(env));
  });
  afterAll(async () => {
    await server.stop?.();
  });
  return server;
}
