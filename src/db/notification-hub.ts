import type { Logger } from "../config/logger";
import { PgListener } from "./pg-listener";

/** What a server process's listening connection is called in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = "dashql-listener";

/** LISTEN takes its channel as an identifier, not a parameter: only plain lower-case names are accepted. */
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

export interface NotificationHubOptions {
  /** The database URL (the same database the pool uses). */
  connectionString: string;
  logger: Logger;
  /** What losing the connection means for its owners, for the warning logged then. */
  lostMeans: string;
  /** What the connection is called in pg_stat_activity; LISTENER_APPLICATION_NAME unless set. */
  applicationName?: string;
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A connection can die without a FIN: a ping this often, answered within `pingTimeoutMs`. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/**
 * The one LISTEN connection of a server process, shared by everything in it that
 * listens (key revocations and user changes for the key cache, row changes for live
 * subscriptions). Each owner registers a handler per channel before start(); the hub
 * LISTENs on all of those channels on one PgListener and hands each notification to
 * the handlers of its channel. One connection rather than one per owner, because each
 * is a PostgreSQL backend in every server process's connection budget.
 *
 * Losing the connection is one event for every owner (`onListening(false)`), and so is
 * getting it back (`onListening(true)`, after LISTEN is in place on all channels).
 */
export class NotificationHub {
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly listeningHandlers = new Set<(listening: boolean) => void>();
  private connection: PgListener | undefined;

  constructor(private readonly options: NotificationHubOptions) {}

  /**
   * Calls `handler` with the payload of every notification on `channel` ("" for none).
   * A channel not yet listened on must be registered before start(): its LISTEN is sent
   * when the connection is set up. Returns a function that removes the handler.
   */
  on(channel: string, handler: (payload: string) => void): () => void {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name LISTEN takes unquoted: ${JSON.stringify(channel)}`);
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      if (this.connection) throw new Error(`the listener has started: register channel ${channel} before start()`);
      handlers = new Set();
      this.handlers.set(channel, handlers);
    }
    const entry = (payload: string) => handler(payload);
    handlers.add(entry);
    return () => void handlers.delete(entry);
  }

  /**
   * Calls `handler` with true once LISTEN is in place (first time and after every
   * reconnect) and with false as soon as the connection is lost: notifications sent
   * meanwhile are lost for good, so owners must drop or refetch what they derived from
   * them. Returns a function that removes the handler.
   */
  onListening(handler: (listening: boolean) => void): () => void {
    const entry = (listening: boolean) => handler(listening);
    this.listeningHandlers.add(entry);
    return () => void this.listeningHandlers.delete(entry);
  }

  /** The channels LISTENed on, sorted. */
  get channels(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** True while LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.connection?.listening ?? false;
  }

  /** The backend pid of the listening connection (tests kill it with pg_terminate_backend). */
  get pid(): number | undefined {
    return this.connection?.pid;
  }

  /**
   * A round trip on the listening connection: PostgreSQL sends the notifications of
   * every transaction committed before it ahead of its answer, so once this resolves
   * they have all been handed to their handlers. Shutdown uses it so that changes
   * committed just before SIGTERM still reach their subscribers.
   */
  async sync(): Promise<void> {
    await this.connection?.sync();
  }

  /** Connects and LISTENs on every registered channel; a failure is logged and retried in the background, never thrown. */
  async start(): Promise<void> {
    this.connection ??= new PgListener({
      connectionString: this.options.connectionString,
      applicationName: this.options.applicationName ?? LISTENER_APPLICATION_NAME,
      channels: this.channels,
      label: "listener",
      lostMeans: this.options.lostMeans,
      logger: this.options.logger,
      initialBackoffMs: this.options.initialBackoffMs,
      maxBackoffMs: this.options.maxBackoffMs,
      pingIntervalMs: this.options.pingIntervalMs,
      pingTimeoutMs: this.options.pingTimeoutMs,
      onNotification: (message) => this.dispatch(message.channel, message.payload ?? ""),
      onListening: (listening) => {
        for (const handler of [...this.listeningHandlers]) this.call("listening", () => handler(listening));
      },
    });
    await this.connection.start();
  }

  /** Closes the connection; waits at most a second (PostgreSQL may be unreachable). */
  async stop(): Promise<void> {
    await this.connection?.stop();
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of [...(this.handlers.get(channel) ?? [])]) this.call(channel, () => handler(payload));
  }

  /** One owner's failing handler must not keep the others from hearing, nor break the connection's event handling. */
  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger.error({ err: error, channel: what }, "listener: a notification handler failed");
    }
  }
}
