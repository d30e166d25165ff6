import type DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import type { Company } from "./company/company.entity";
import type { Finance } from "./company/finance.entity";
import { createCompanyByIdLoader, createFinancesByCompanyLoader, type FinanceKey } from "./company/finance.loaders";
import type { TrackedFile } from "./file/tracked-file.entity";
import { createFilesByQueueItemLoader, type FilesOfQueueItemKey } from "./file/file.loaders";
import type { QueueItem } from "./queue/queue-item.entity";
import { createQueueItemByIdLoader } from "./queue/queue.loaders";

export interface Loaders {
  readonly financesByCompany: DataLoader<FinanceKey, Finance[], string>;
  readonly companyById: DataLoader<number, Company | null>;
  readonly filesByQueueItem: DataLoader<FilesOfQueueItemKey, TrackedFile[], string>;
  readonly queueItemById: DataLoader<number, QueueItem | null>;
}

/**
 * Every DataLoader of one request (or one CLI command). Built fresh per request
 * by the context factory: a module-level loader's cache would outlive the
 * request, ignore permissions and differ per process. Each loader is created on
 * first use: most requests use one of them, or none.
 */
export function createLoaders(em: EntityManager): Loaders {
  return new RequestLoaders(em);
}

/** A class, not an object literal with getters: its getters live on the prototype, so a request allocates one small object. */
class RequestLoaders implements Loaders {
  private financesByCompanyLoader: Loaders["financesByCompany"] | undefined;
  private companyByIdLoader: Loaders["companyById"] | undefined;
  private filesByQueueItemLoader: Loaders["filesByQueueItem"] | undefined;
  private queueItemByIdLoader: Loaders["queueItemById"] | undefined;

  constructor(private readonly em: EntityManager) {}

  get financesByCompany(): Loaders["financesByCompany"] {
    return (this.financesByCompanyLoader ??= createFinancesByCompanyLoader(this.em));
  }
  get companyById(): Loaders["companyById"] {
    return (this.companyByIdLoader ??= createCompanyByIdLoader(this.em));
  }
  get filesByQueueItem(): Loaders["filesByQueueItem"] {
    return (this.filesByQueueItemLoader ??= createFilesByQueueItemLoader(this.em));
  }
  get queueItemById(): Loaders["queueItemById"] {
    return (this.queueItemByIdLoader ??= createQueueItemByIdLoader(this.em));
  }
}
