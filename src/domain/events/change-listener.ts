import { PgListener } from "../../db/pg-listener";
import type { Logger } from "../../config/logger";

/** The channel the change triggers notify (migration 1796041000000-change-notifications). */
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
  private readonly connection: PgListener;

  constructor(options: ChangeListenerOptions) {
    this.connection = new PgListener({
      ...options,
      applicationName: CHANGES_APPLICATION_NAME,
      channels: [CHANGES_CHANNEL],
      label: "change listener",
      lostMeans: "live subscriptions are closed",
      onNotification: (message) => {
        if (message.channel === CHANGES_CHANNEL && message.payload) options.onNotification(message.payload);
      },
    });
  }

  get listening(): boolean {
    return this.connection.listening;
  }

  /** The backend pid of the listening connection (tests kill it with pg_terminate_backend). */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /**
   * A round trip on the listening connection: PostgreSQL sends the notifications of
   * every transaction committed before it ahead of its answer, so once this resolves
   * they have all been handed to onNotification. Used by shutdown, so that changes
   * committed just before SIGTERM still reach their subscribers.
   */
  sync(): Promise<void> {
    return this.connection.sync();
  }

  /** Connects and LISTENs; a failure is logged and retried in the background. */
  start(): Promise<void> {
    return this.connection.start();
  }

  /** Closes the connection; waits at most a second (PostgreSQL may be unreachable). */
  stop(): Promise<void> {
    return this.connection.stop();
  }
}
