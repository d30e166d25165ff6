import { Client, type Notification } from "pg";
import type { Logger } from "../../config/logger";

/** Channel revokeApiKey notifies in its own statement; the payload is the key id. */
export const KEY_REVOKED_CHANNEL = "dashql_api_key_revoked";
/** Channel for a user whose role changed (or who is gone); the payload is the user id. */
export const USER_CHANGED_CHANNEL = "dashql_user_changed";
/** What the listener's connection is called in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = "dashql-auth-listener";

export type Invalidation = { kind: "key"; id: number } | { kind: "user"; id: number };

export interface RevocationListenerOptions {
  /** The database URL (the same database the pool uses). */
  connectionString: string;
  logger: Logger;
  /** Called for every notification that names a key or a user. */
  onInvalidate(invalidation: Invalidation): void;
  /**
   * Called with true once LISTEN is in place (first time and after every reconnect)
   * and with false as soon as the connection is lost. Notifications sent while
   * disconnected are lost for good, so the receiver must drop what it cached.
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
 * One dedicated PostgreSQL connection per server process that LISTENs for key
 * revocations and user changes, so every process can cache keys for a long time
 * and still drop a revoked key within milliseconds. Reconnects by itself with
 * backoff; never throws to its owner.
 */
export class RevocationListener {
  private client: Client | undefined;
  private stopped = false;
  private isListening = false;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  /** The client of a connection attempt in progress, so stop() can abort it. */
  private pending: Client | undefined;
  private backendPid: number | undefined;

  constructor(private readonly options: RevocationListenerOptions) {
    this.backoff = options.initialBackoffMs ?? 100;
  }

  /** True while LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.isListening;
  }

  /** The server process id of the listening connection (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.isListening ? this.backendPid : undefined;
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
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: LISTENER_APPLICATION_NAME,
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
        this.options.logger.warn({ err: error?.message, retryInMs: this.backoff }, "auth listener connection lost; key cache falls back to the short TTL");
        this.scheduleReconnect();
      }
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => this.dispatch(message));
    this.pending = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_REVOKED_CHANNEL}`);
      await client.query(`LISTEN ${USER_CHANGED_CHANNEL}`);
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
      this.options.logger.debug({ pid: this.backendPid }, "auth listener in place");
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
        timer = setTimeout(() => reject(new Error(`auth listener ping unanswered after ${timeout} ms`)), timeout);
        timer.unref();
      });
      Promise.race([client.query("SELECT 1"), expired])
        .catch((error: Error) => onLost(error))
        .finally(() => clearTimeout(timer));
    }, every);
    this.pingTimer.unref();
  }

  private dispatch(message: Notification): void {
    const id = Number(message.payload);
    if (!Number.isSafeInteger(id)) {
      this.options.logger.warn({ channel: message.channel }, "auth listener ignored a notification without a numeric id");
      return;
    }
    if (message.channel === KEY_REVOKED_CHANNEL) this.options.onInvalidate({ kind: "key", id });
    else if (message.channel === USER_CHANGED_CHANNEL) this.options.onInvalidate({ kind: "user", id });
  }
}
