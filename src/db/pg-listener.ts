import { Client, type Notification } from "pg";
import type { Logger } from "../config/logger";

export interface PgListenerOptions {
  connectionString: string;
  /** What the connection is called in pg_stat_activity. */
  applicationName: string;
  /** The channels to LISTEN on. */
  channels: readonly string[];
  /** Names the listener in log lines. */
  label: string;
  /** What losing the connection means for its owner, for the warning logged then. */
  lostMeans: string;
  logger: Logger;
  onNotification(message: Notification): void;
  /**
   * True once LISTEN is in place (first time and after every reconnect), false as
   * soon as the connection is lost: notifications sent meanwhile are lost for good.
   */
  onListening(listening: boolean): void;
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A connection can die without a FIN (a NAT or a failover drops it): a ping this
   * often, answered within `pingTimeoutMs`, notices within about that sum.
   */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/**
 * One dedicated PostgreSQL connection that LISTENs on some channels. Reconnects
 * by itself with backoff, pings to notice a silently dead connection, and never
 * throws to its owner. A server process has one, owned by its NotificationHub.
 */
export class PgListener {
  private client: Client | undefined;
  /** The client of a connection attempt in progress, so stop() can abort it. */
  private pending: Client | undefined;
  private stopped = false;
  private isListening = false;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private backendPid: number | undefined;

  constructor(private readonly options: PgListenerOptions) {
    this.backoff = options.initialBackoffMs ?? 100;
  }

  /** True while LISTEN is in place on a live connection. */
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
   * they have all been handed to onNotification.
   */
  async sync(): Promise<void> {
    await this.client?.query("SELECT 1").catch(() => undefined);
  }

  /** Connects and LISTENs; a failure is logged and retried in the background, never thrown. */
  async start(): Promise<void> {
    this.stopped = false;
    await (this.connecting ??= this.connect().finally(() => (this.connecting = undefined)));
  }

  /**
   * Closes the connection (or aborts the attempt in progress). Waits at most a second:
   * with PostgreSQL unreachable a polite goodbye could wait for a socket timeout, and
   * shutdown must not.
   */
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
    const { label } = this.options;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
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
        this.options.logger.warn({ err: error?.message, retryInMs: this.backoff }, `${label} connection lost; ${this.options.lostMeans}`);
        this.scheduleReconnect();
      }
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => this.options.onNotification(message));
    this.pending = client;
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${channel}`);
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
      this.options.logger.debug({ pid: this.backendPid }, `${label} in place`);
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
        timer = setTimeout(() => reject(new Error(`${this.options.label} ping unanswered after ${timeout} ms`)), timeout);
        timer.unref();
      });
      Promise.race([client.query("SELECT 1"), expired])
        .catch((error: Error) => onLost(error))
        .finally(() => clearTimeout(timer));
    }, every);
    this.pingTimer.unref();
  }
}
