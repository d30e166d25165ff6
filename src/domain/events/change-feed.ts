import type { DataSource } from "typeorm";
import type { Logger } from "../../config/logger";
import type { Company } from "../company/company.entity";
import { createLoaders, type Loaders } from "../loaders";
import type { QueueItem, QueueStatus } from "../queue/queue-item.entity";

/** The channel the change triggers notify (migration 1796041000000-change-notifications); its payloads go to ChangeFeed.push. */
export const CHANGES_CHANNEL = "dashql_changes";

export type ChangeKind = "CREATED" | "UPDATED" | "DELETED";

/** The filter fields of a queue item, as they were before it was deleted. */
export interface QueueItemKeys {
  status: QueueStatus;
  owner: string;
  runTag: string;
  host: string | null;
}

export interface QueueItemChange {
  kind: ChangeKind;
  id: number;
  /** The item as read after the change; null when DELETED. */
  item: QueueItem | null;
  /** For DELETED only: what the subscription filters look at. */
  before: QueueItemKeys | null;
  at: Date;
}

export interface CompanyChange {
  kind: ChangeKind;
  id: number;
  company: Company | null;
  at: Date;
}

export interface FilesRegistered {
  host: string;
  runDir: string;
  created: number;
  updated: number;
  at: Date;
}

export interface ChangeByTopic {
  queue: QueueItemChange;
  company: CompanyChange;
  files: FilesRegistered;
}
export type Topic = keyof ChangeByTopic;

/**
 * One change handed to a subscriber, with the loaders that read it: every
 * subscriber of one notification shares them, so a field such as a company's
 * finances costs one statement per notification, not one per subscriber.
 */
export interface Delivery<T extends Topic = Topic> {
  change: ChangeByTopic[T];
  loaders: Loaders;
}

export interface Subscriber<T extends Topic> {
  /** Decides in memory, per change, whether this subscriber wants it. */
  accepts(change: ChangeByTopic[T]): boolean;
  deliver(delivery: Delivery<T>): void;
}

interface Notification {
  e: string;
  k: string;
  at: number;
  tx: number;
  ids: unknown[];
}

export interface ChangeFeedOptions {
  /** Where rows are loaded: a scoped view (db/statement-counter) counts the statements. */
  dataSource: DataSource;
  logger: Logger;
}

export interface ChangeFeedStats {
  /** Notifications received from PostgreSQL. */
  notifications: number;
  /** Changes (one per row, or per run directory for files) after loading. */
  changes: number;
  /** Changes handed to subscribers (one per matching subscriber). */
  deliveries: number;
  subscribers: number;
}

const KINDS: Record<string, ChangeKind> = { CREATED: "CREATED", UPDATED: "UPDATED", DELETED: "DELETED" };

/**
 * Turns the change notifications of PostgreSQL (see the change-notifications
 * migration) into changes for in-process subscribers. Notifications are handled
 * one at a time, in commit order; each one loads its rows once, with the same
 * loaders as queries, then every subscriber of its topic filters in memory.
 */
export class ChangeFeed {
  private readonly subscribers: { [T in Topic]: Set<Subscriber<T>> } = { queue: new Set(), company: new Set(), files: new Set() };
  private readonly queue: Notification[] = [];
  private draining: Promise<void> | undefined;
  private readonly counters = { notifications: 0, changes: 0, deliveries: 0 };

  constructor(private readonly options: ChangeFeedOptions) {}

  subscribe<T extends Topic>(topic: T, subscriber: Subscriber<T>): () => void {
    const set = this.subscribers[topic] as Set<Subscriber<T>>;
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  stats(): ChangeFeedStats {
    const s = this.subscribers;
    return { ...this.counters, subscribers: s.queue.size + s.company.size + s.files.size };
  }

  /** A raw payload from the CHANGES_CHANNEL (`dashql_changes`). */
  push(payload: string): void {
    let notification: Notification;
    try {
      notification = JSON.parse(payload) as Notification;
      if (typeof notification.e !== "string" || !Array.isArray(notification.ids)) throw new Error("bad shape");
    } catch {
      this.options.logger.warn({ payload: payload.slice(0, 200) }, "change feed ignored a malformed notification");
      return;
    }
    this.counters.notifications += 1;
    this.queue.push(notification);
    // setImmediate: the notifications of one commit arrive together and are all queued before the
    // first is handled, so the files counts of one statement's INSERT and UPDATE can be merged.
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every notification received so far has been handed to its subscribers. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Forgets notifications not handled yet (the listener was lost: subscribers are being closed). */
  discardPending(): void {
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift()!;
        try {
          await this.handle(next);
        } catch (error) {
          this.options.logger.error({ err: error, entity: next.e }, "change feed could not load a change");
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async handle(n: Notification): Promise<void> {
    const kind = KINDS[n.k];
    if (!kind) return;
    const at = new Date(n.at);
    if (n.e === "files") return this.handleFiles(n, kind, at);
    const topic: Topic = n.e === "queue" ? "queue" : n.e === "company" ? "company" : (undefined as never);
    if (!topic) return;
    const subscribers = this.subscribers[topic];
    // Nobody listens: nothing to load.
    if (subscribers.size === 0) return;
    const loaders = createLoaders(this.options.dataSource.manager);
    if (topic === "queue") {
      const changes: QueueItemChange[] = [];
      if (kind === "DELETED") {
        for (const raw of n.ids) {
          if (!Array.isArray(raw)) continue;
          const [id, status, owner, runTag, host] = raw as [number, QueueStatus, string, string, string | null];
          changes.push({ kind, id: Number(id), item: null, before: { status, owner, runTag, host }, at });
        }
      } else {
        const ids = n.ids.map(Number);
        const items = await loaders.queueItemById.loadMany(ids);
        ids.forEach((id, i) => {
          const item = items[i];
          // Gone since (its DELETED follows) or failed to load: nothing to send for this row.
          if (item && !(item instanceof Error)) changes.push({ kind, id, item, before: null, at });
        });
      }
      this.dispatch("queue", changes, loaders);
    } else {
      const changes: CompanyChange[] = [];
      const ids = n.ids.map(Number);
      if (kind === "DELETED") {
        for (const id of ids) changes.push({ kind, id, company: null, at });
      } else {
        const companies = await loaders.companyById.loadMany(ids);
        ids.forEach((id, i) => {
          const company = companies[i];
          if (company && !(company instanceof Error)) changes.push({ kind, id, company, at });
        });
      }
      this.dispatch("company", changes, loaders);
    }
  }

  /**
   * An upsert of files fires an INSERT and an UPDATE trigger: both notifications of one
   * transaction that are queued already are merged into one FilesRegistered per run directory.
   */
  private handleFiles(first: Notification, kind: ChangeKind, at: Date): void {
    const counts = new Map<string, FilesRegistered>();
    const add = (n: Notification, k: ChangeKind) => {
      for (const raw of n.ids) {
        if (!Array.isArray(raw)) continue;
        const [host, runDir, count] = raw as [string, string, number];
        const key = JSON.stringify([host, runDir]);
        let entry = counts.get(key);
        if (!entry) counts.set(key, (entry = { host, runDir, created: 0, updated: 0, at }));
        if (k === "CREATED") entry.created += Number(count);
        else entry.updated += Number(count);
      }
    };
    add(first, kind);
    while (this.queue.length > 0 && this.queue[0].e === "files" && this.queue[0].tx === first.tx) {
      const next = this.queue.shift()!;
      add(next, KINDS[next.k] ?? "UPDATED");
    }
    if (this.subscribers.files.size === 0) return;
    this.dispatch("files", [...counts.values()], createLoaders(this.options.dataSource.manager));
  }

  private dispatch<T extends Topic>(topic: T, changes: ChangeByTopic[T][], loaders: Loaders): void {
    this.counters.changes += changes.length;
    const subscribers = [...(this.subscribers[topic] as Set<Subscriber<T>>)];
    for (const change of changes) {
      const delivery: Delivery<T> = { change, loaders };
      for (const subscriber of subscribers) {
        if (!subscriber.accepts(change)) continue;
        this.counters.deliveries += 1;
        subscriber.deliver(delivery);
      }
    }
  }
}
