import { rmSync } from "node:fs";
import { stopServer, type E2EServer } from "./server";

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __e2eServer?: E2EServer }).__e2eServer;
  if (!server) return;
  try {
    await stopServer(server);
  } finally {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
