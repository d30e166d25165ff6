import { Client } from "pg";
import { TEMPLATE_DB, runCli } from "./paths";
import { startPrivatePostgres, type PrivatePostgres } from "./processes";

/**
 * Starts one real PostgreSQL for the whole run (embedded, unless
 * TEST_DATABASE_URL names a server to use) and a migrated template database.
 * Each test file clones the template (see database.ts), so files run in parallel
 * without seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const postgres = await startPrivatePostgres();
    (globalThis as { __testPostgres?: PrivatePostgres }).__testPostgres = postgres;
    adminUrl = postgres.url;
  }
  process.env.DASHQL_TEST_ADMIN_URL = adminUrl;

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE_DB}`;
  const result = await runCli(["migrate", "--database-url", url.toString()]);
  if (result.code !== 0) throw new Error(`migrating the test template failed:\n${result.stderr}`);
}
