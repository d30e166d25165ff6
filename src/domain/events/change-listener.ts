import { Client } from "pg";
import type { Logger } from "../../config/logger";

/** The channel the change triggers notify (migration 1796040000000-change-notifications). */
export const CHANGES_CHANNEL = "dashql_changes";
/** What the listening connection is called in pg_stat_activity. */
export const CHANGES_APPLICATION_NAME = "dashql-changes-listener";

export interface ChangeListenerOptions {
  connectionString: string;
  logger: Logger;
  /** Every notification payload, in the order PostgreSQL delivers them. */
  onNotification(payload: string): void;
  /**
   * True once LISTEN is in place (first time and after every reconnect), false as
   * soon as the connection is lost: notifications sent meanwhile are lost for good.
   */
  onListening(listening: boolean): void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A connection can die without a FIN: a ping this often, answered within pingTimeoutMs. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/**
 * The one PostgreSQL connection per server that LISTENs for row changes.
 * Reconnects by itself with backoff; never throws to its owner.
 */
export class ChangeListener {
  private client: Client | undefined;
  private pending: Client | undefined;
  private stopped = false;
  private isListening = false;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private backendPid: number | undefined;

  constructor(private readonly options: ChangeListenerOptions) {
    this.backoff = options.initialBackoffMs ?? 100;
  }

  get listening(): boolean {
    return this.isListening;
  }

  /** The backend pid of the listening connection (tests kill it with pg_terminate_backend). */
  get pid(): number | undefined {
    return this.isListening ? this.backendPid : undefined;
  }

  /**
   * A round trip on the listening connection: PostgreSQL sends the notifications of
   * every transaction committed before it ahead of its answer, so once this resolves
   * they have all been handed to onNotification. Used by shutdown, so that changes
   * committed just before SIGTERM still reach their subscribers.
   */
  async sync(): Promise<void> {
    await this.client?.query("SELECT 1").catch(() => undefined);
  }

  /** Connects and LISTENs; a failure is logged and retried in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    await (this.connecting ??= this.connect().finally(() => (this.connecting = undefined)));
  }

  /** Closes the connection; waits at most a second (PostgreSQL may be unreachable). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const clients = [this.client, this.pending].filter((c): c is Client => c !== undefined);
    this.client = undefined;
    this.pending = undefined;
    this.setListening(false);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(clients.map((c) => c.end().catch(() => undefined))),
      new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(timer);
  }

  private setListening(value: boolean): void {
    if (this.isListening === value) return;
    this.isListening = value;
    this.options.onListening(value);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: CHANGES_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners("notification");
      client.end().catch(() => undefined);
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.setListening(false);
      if (!this.stopped) {
        this.options.logger.warn({ err: error?.message, retryInMs: this.backoff }, "change listener connection lost; live subscriptions are closed");
        this.scheduleReconnect();
      }
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload) this.options.onNotification(message.payload);
    });
    this.pending = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      const [row] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
      if (this.pending === client) this.pending = undefined;
      if (this.stopped || lost) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.backendPid = row?.pid;
      this.backoff = this.options.initialBackoffMs ?? 100;
      this.startPing(client, onLost);
      this.setListening(true);
    } catch (error) {
      if (this.pending === client) this.pending = undefined;
      onLost(error as Error);
    }
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 5_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, delay);
    this.retryTimer.unref();
  }

  private startPing(client: Client, onLost: (error?: Error) => void): void {
    const every = this.options.pingIntervalMs ?? 10_000;
    const timeout = this.options.pingTimeoutMs ?? 3_000;
    if (every <= 0) return;
    this.pingTimer = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`change listener ping unanswered after ${timeout} ms`)), timeout);
        timer.unref();
      });
      Promise.race([client.query("SELECT 1"), expired])
        .catch((error: Error) => onLost(error))
        .finally(() => clearTimeout(timer));
    }, every);
    this.pingTimer.unref();
  }
}
