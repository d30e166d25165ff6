import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Client } from "pg";
import { ROOT, TEMPLATE_DB, runCli } from "./paths";

/**
 * Starts one real PostgreSQL for the whole run (embedded, unless
 * TEST_DATABASE_URL names a server to use) and a migrated template database.
 * Each test file clones the template (see database.ts), so files run in parallel
 * without seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "dashql-test-pg-"));
    const child = spawn(process.execPath, [path.join(ROOT, "dist/db/embedded-supervisor.js"), dataDir], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout! });
    const first = await Promise.race([
      once(lines, "line").then(([line]) => String(line)),
      once(child, "exit").then(([code]) => {
        throw new Error(`embedded PostgreSQL for tests exited with ${code}`);
      }),
    ]);
    adminUrl = (JSON.parse(first) as { url: string }).url;
    (globalThis as { __pgSupervisor?: typeof child }).__pgSupervisor = child;
    (globalThis as { __pgDataDir?: string }).__pgDataDir = dataDir;
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
