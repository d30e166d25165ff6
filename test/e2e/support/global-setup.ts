import { startServer, type E2EServer } from "./server";

/**
 * One dashql server for the whole e2e run; the specs find it through E2E_* variables
 * (set here, inherited by jest's test processes).
 */
export default async function globalSetup(): Promise<void> {
  const server = await startServer();
  (globalThis as { __e2eServer?: E2EServer }).__e2eServer = server;
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_DATA_DIR = server.dataDir;
  process.env.E2E_DEMO_TOKEN = server.demoToken;
}
