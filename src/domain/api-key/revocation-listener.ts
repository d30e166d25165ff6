import type { Notification } from "pg";
import { PgListener } from "../../db/pg-listener";
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
  private readonly connection: PgListener;

  constructor(private readonly options: RevocationListenerOptions) {
    this.connection = new PgListener({
      ...options,
      applicationName: LISTENER_APPLICATION_NAME,
      channels: [KEY_REVOKED_CHANNEL, USER_CHANGED_CHANNEL],
      label: "auth listener",
      lostMeans: "key cache falls back to the short TTL",
      onNotification: (message) => this.dispatch(message),
    });
  }

  /** True while LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.connection.listening;
  }

  /** The server process id of the listening connection (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /** Connects and LISTENs; a failure is logged and retried in the background, never thrown. */
  start(): Promise<void> {
    return this.connection.start();
  }

  /** Closes the connection; waits at most a second. */
  stop(): Promise<void> {
    return this.connection.stop();
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
