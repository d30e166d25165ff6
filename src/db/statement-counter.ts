import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The scope of one unit of work (an HTTP request, a CLI command, a test step):
 * counts the SQL statements issued inside it and carries its request id to code
 * that has no context parameter (the TypeORM logger, Apollo's formatError).
 * DataLoader batches run later but in the same async context, so they count too.
 */
export interface RequestScope {
  statements: number;
  requestId?: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function withRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

export function countStatement(): void {
  const scope = storage.getStore();
  if (scope) scope.statements += 1;
}
