import type { PrivatePostgres } from "./processes";

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testPostgres?: PrivatePostgres }).__testPostgres?.dispose();
}
