import type { EntityManager } from "typeorm";
import { createCompanyByIdLoader, createFinancesByCompanyLoader } from "./company/finance.loaders";
import { createFilesByQueueItemLoader } from "./file/file.loaders";
import { createQueueItemByIdLoader } from "./queue/queue.loaders";

/**
 * Every DataLoader of one request (or one CLI command). Built fresh per request
 * by the context factory: a module-level loader's cache would outlive the
 * request, ignore permissions and differ per process.
 */
export function createLoaders(em: EntityManager) {
  return {
    financesByCompany: createFinancesByCompanyLoader(em),
    companyById: createCompanyByIdLoader(em),
    filesByQueueItem: createFilesByQueueItemLoader(em),
    queueItemById: createQueueItemByIdLoader(em),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
