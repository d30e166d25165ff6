/**
 * The bench's PostgreSQL: the embedded one (test/support's private PostgreSQL:
 * test/support/embedded-supervisor.cjs, which stops the cluster when its stdin closes, so
 * even a killed bench leaves no postgres behind) in a temp dir, or the server named by DATABASE_URL. Either way
 * the bench works in databases of its own and drops them at the end.
 */
import { Client } from "pg";
import { startPrivatePostgres } from "../../test/support/processes";
import { onCleanup } from "./cleanup";

export interface PostgresServer {
  /** URL of the maintenance database (postgres). */
  readonly adminUrl: string;
  readonly embedded: boolean;
  /** PostgreSQL server version, e.g. "18.1". */
  readonly version: string;
  /** Creates an empty database and returns its URL; it is dropped at cleanup. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** test/support's private PostgreSQL (embedded-supervisor in a temp dir), stopped and deleted at cleanup. */
async function startEmbedded(): Promise<string> {
  const pg = await startPrivatePostgres();
  onCleanup("embedded postgres", () => pg.dispose());
  return pg.url;
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Starts (or connects to) PostgreSQL. `externalUrl`: use that server instead of an embedded one. */
export async function startPostgres(externalUrl: string | undefined): Promise<PostgresServer> {
  const adminUrl = externalUrl ? databaseUrl(externalUrl, "postgres") : await startEmbedded();
  const version = await withClient(adminUrl, async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version);
  const created = new Set<string>();
  const dropDatabase = async (name: string) => {
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    created.delete(name);
  };
  return {
    adminUrl,
    embedded: !externalUrl,
    version,
    async createDatabase(name) {
      await withClient(adminUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${name}"`);
      });
      if (!created.has(name)) {
        created.add(name);
        // With the embedded server the whole cluster goes away; an external one keeps only what we leave.
        if (externalUrl) onCleanup(`database ${name}`, () => (created.has(name) ? dropDatabase(name) : undefined));
      }
      return databaseUrl(adminUrl, name);
    },
    dropDatabase,
  };
}
