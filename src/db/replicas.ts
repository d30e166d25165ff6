/**
 * PostgreSQL read replicas (DATABASE_READ_URLS): one DataSource (pool) per
 * replica, a health check that measures each one's lag, and the choice of where
 * one request reads.
 *
 * Why not TypeORM's own `replication: { master, slaves }`: it picks a random
 * slave per query inside SelectQueryBuilder, and only for queries built there.
 * dashql needs the choice per request (a query operation reads from ONE
 * replica, known to have replayed the position the client sent back, while a
 * mutation's own reads must see its writes), it needs health and lag to skip a
 * replica, and its hot reads (`preparedQuery`) go straight to a pool
 * (`driver.master`), which TypeORM's routing never sees. A DataSource per
 * replica gives all three: a request's EntityManager comes from the DataSource
 * it reads from, and everything built on it (loaders, prepared statements)
 * follows.
 */
import { Client } from "pg";
import type { DataSource } from "typeorm";
import type { Logger } from "../config/logger";

/** A WAL position (`pg_lsn`, e.g. `16/B374D848`) as a number of bytes. */
export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses `16/B374D848`; undefined when the text is not a WAL position. */
export function parseLsn(text: string): Lsn | undefined {
  const match = LSN_TEXT.exec(text.trim());
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** healthy: reads go there. lagging: more than maxLagMs behind. unreachable: a check or a read failed. not-standby: it answers but is not replaying (promoted, or a primary by mistake). */
export type ReplicaState = "starting" | "healthy" | "lagging" | "unreachable" | "not-standby";

/** Why a read went to the primary although replicas are configured. */
export type PrimaryReadReason = "noHealthyReplica" | "waitTimeout" | "failover";

export interface ReplicaStatus {
  /** host:port/database, without credentials. */
  name: string;
  state: ReplicaState;
  /** Milliseconds behind the primary at the last check (0 when it had replayed everything); null when unknown. */
  lagMs: number | null;
  /** Position replayed at the last check. */
  replayLsn: string | null;
  /** Query operations this replica served. */
  reads: number;
  /** Set while unreachable: what failed. */
  error?: string;
}

export interface ReplicaStats {
  replicas: ReplicaStatus[];
  /** Query operations sent to the primary, by reason. */
  primaryReads: Record<PrimaryReadReason, number>;
  /** Requests that carried a position the chosen replica had not yet replayed, and waited. */
  waits: number;
}

interface Replica {
  readonly name: string;
  readonly url: string;
  readonly dataSource: DataSource;
  state: ReplicaState;
  lagMs: number | null;
  replayLsn: Lsn | undefined;
  reads: number;
  error: string | undefined;
  /** The health check's own connection, so checks never queue behind reads for the pool. */
  probe: Client | undefined;
}

/** Where one request reads. `replica` is undefined when it reads from the primary. */
export interface ReadRoute {
  readonly dataSource: DataSource;
  readonly replica: string | undefined;
}

export interface ReplicaSetOptions {
  primary: DataSource;
  urls: readonly string[];
  /** Builds a replica's DataSource (not yet initialised). */
  createDataSource: (url: string) => DataSource;
  /** REPLICA_MAX_LAG_MS: a replica further behind is skipped. */
  maxLagMs: number;
  /** REPLICA_WAIT_MS: how long a read with a position waits for the replica before using the primary. */
  waitMs: number;
  logger: Logger;
  /** How often lag is measured; the bound is once a second. */
  checkIntervalMs?: number;
}

/** Primary positions seen, to turn "not replayed yet" into time; capped so an absent replica cannot grow it without bound. */
const MAX_SAMPLES = 3600;

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "replica";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The replicas of one process, their health, and per-request routing:
 * round robin among healthy replicas; a request carrying a WAL position waits
 * (up to `waitMs`) for its replica to replay it, then reads from the primary.
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly primary: DataSource;
  private readonly options: ReplicaSetOptions;
  private readonly checkIntervalMs: number;
  /** Primary WAL positions in increasing order, with the time each was first seen. */
  private samples: { lsn: Lsn; at: number }[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;
  private readonly primaryReads: Record<PrimaryReadReason, number> = { noHealthyReplica: 0, waitTimeout: 0, failover: 0 };
  private waits = 0;

  constructor(options: ReplicaSetOptions) {
    this.options = options;
    this.primary = options.primary;
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.replicas = options.urls.map((url) => ({
      name: describe(url),
      url,
      dataSource: options.createDataSource(url),
      state: "starting",
      lagMs: null,
      replayLsn: undefined,
      reads: 0,
      error: undefined,
      probe: undefined,
    }));
  }

  /** Runs the first check (a replica down at start is only marked unreachable) and schedules the next ones. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  /** One round of health checks; concurrent callers share it. */
  check(): Promise<void> {
    return (this.checking ??= this.runCheck().finally(() => (this.checking = undefined)));
  }

  private async runCheck(): Promise<void> {
    let primaryLsn: Lsn | undefined;
    try {
      const [row] = (await this.primary.query("SELECT pg_current_wal_lsn()::text AS lsn")) as { lsn: string }[];
      primaryLsn = parseLsn(row.lsn);
    } catch {
      // Primary unreachable: replica lag cannot be measured this round; states stay as they were.
    }
    const now = Date.now();
    if (primaryLsn !== undefined) {
      const last = this.samples[this.samples.length - 1];
      if (!last || primaryLsn > last.lsn) this.samples.push({ lsn: primaryLsn, at: now });
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    }
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica, primaryLsn, now)));
    // Positions every replica has replayed are no longer needed, except the newest (the primary's current one).
    const replayed = this.replicas.map((r) => r.replayLsn ?? 0n).reduce((a, b) => (a < b ? a : b), this.samples[this.samples.length - 1]?.lsn ?? 0n);
    while (this.samples.length > 1 && this.samples[0].lsn <= replayed) this.samples.shift();
  }

  private async checkReplica(replica: Replica, primaryLsn: Lsn | undefined, now: number): Promise<void> {
    try {
      if (!replica.probe) {
        const probe = new Client({ connectionString: replica.url, connectionTimeoutMillis: 2000, query_timeout: 2000, application_name: "dashql-replica-check" });
        probe.on("error", () => undefined);
        await probe.connect().catch(async (error) => {
          await probe.end().catch(() => undefined);
          throw error;
        });
        replica.probe = probe;
      }
      const { rows } = await replica.probe.query<{ lsn: string | null; standby: boolean }>(
        "SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS standby",
      );
      const { lsn, standby } = rows[0];
      // Only once the replica answers: a DataSource whose first connection fails keeps its pool, so
      // initialising it every second while a replica is down would pile pools up.
      if (!replica.dataSource.isInitialized) await replica.dataSource.initialize();
      if (!standby || lsn === null) {
        this.setState(replica, "not-standby", "not in recovery: promoted, or not a replica");
        replica.lagMs = null;
        return;
      }
      const replayLsn = parseLsn(lsn)!;
      if (replica.replayLsn === undefined || replayLsn > replica.replayLsn) replica.replayLsn = replayLsn;
      if (primaryLsn === undefined) return; // no reference this round: keep the last verdict
      // Lag as time: how long ago the primary first reached a position this replica has not replayed.
      // Measured against positions, an idle primary is no lag (now() - pg_last_xact_replay_timestamp() would grow);
      // samples are taken once a check, so the figure can be up to one interval low.
      const behind = this.samples.find((s) => s.lsn > replayLsn);
      replica.lagMs = behind ? Math.max(0, now - behind.at) : 0;
      this.setState(replica, replica.lagMs > this.options.maxLagMs ? "lagging" : "healthy", undefined);
    } catch (error) {
      await replica.probe?.end().catch(() => undefined);
      replica.probe = undefined;
      this.setState(replica, "unreachable", error instanceof Error ? error.message : String(error));
    }
  }

  private setState(replica: Replica, state: ReplicaState, error: string | undefined): void {
    if (replica.state !== state) {
      const level = state === "healthy" ? "info" : "warn";
      this.options.logger[level]({ replica: replica.name, from: replica.state, to: state, lagMs: replica.lagMs, error }, "read replica state changed");
    }
    replica.state = state;
    replica.error = error;
  }

  /**
   * Where a query operation reads: a healthy replica in turn; with `minLsn` (the
   * position a client's last write left the primary at), one that has replayed
   * it, waiting up to `waitMs` for the chosen one before falling back to the
   * primary. Never throws: a replica that fails is the primary's read.
   */
  async route(minLsn?: Lsn): Promise<ReadRoute> {
    const healthy = this.replicas.filter((r) => r.state === "healthy");
    if (healthy.length === 0) return this.toPrimary("noHealthyReplica");
    const start = this.next++ % healthy.length;
    const inTurn = [...healthy.slice(start), ...healthy.slice(0, start)];
    if (minLsn === undefined) return this.toReplica(inTurn[0]);
    const caughtUp = inTurn.find((r) => r.replayLsn !== undefined && r.replayLsn >= minLsn);
    if (caughtUp) return this.toReplica(caughtUp);

    // A fresh write usually replays within milliseconds: ask the chosen replica at once, then every
    // 2 ms for the first 20 ms (each ask is one tiny statement on the replica), then every 10 ms.
    this.waits += 1;
    const replica = inTurn[0];
    const started = Date.now();
    const deadline = started + this.options.waitMs;
    for (;;) {
      try {
        const [row] = (await replica.dataSource.query("SELECT pg_last_wal_replay_lsn()::text AS lsn")) as { lsn: string | null }[];
        const lsn = row.lsn === null ? undefined : parseLsn(row.lsn);
        if (lsn !== undefined && (replica.replayLsn === undefined || lsn > replica.replayLsn)) replica.replayLsn = lsn;
        if (lsn !== undefined && lsn >= minLsn) return this.toReplica(replica);
      } catch (error) {
        this.markFailed(replica.dataSource, error);
        return this.toPrimary("failover");
      }
      const now = Date.now();
      if (now >= deadline) return this.toPrimary("waitTimeout");
      await sleep(Math.min(now - started < 20 ? 2 : 10, deadline - now));
    }
  }

  private toReplica(replica: Replica): ReadRoute {
    replica.reads += 1;
    return { dataSource: replica.dataSource, replica: replica.name };
  }

  private toPrimary(reason: PrimaryReadReason): ReadRoute {
    this.primaryReads[reason] += 1;
    return { dataSource: this.primary, replica: undefined };
  }

  /** A read on this replica failed for want of a connection: skip it until a check finds it well again. */
  markFailed(dataSource: DataSource, error: unknown): void {
    const replica = this.replicas.find((r) => r.dataSource === dataSource);
    if (!replica || replica.state === "unreachable") return;
    this.setState(replica, "unreachable", error instanceof Error ? error.message : String(error));
  }

  /** A read moved from a failed replica to the primary. */
  countFailover(): void {
    this.primaryReads.failover += 1;
  }

  /** For /readyz: each replica's state, without credentials. */
  status(): ReplicaStatus[] {
    return this.replicas.map((r) => ({
      name: r.name,
      state: r.state,
      lagMs: r.lagMs,
      replayLsn: r.replayLsn === undefined ? null : formatLsn(r.replayLsn),
      reads: r.reads,
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  /** For metrics: lag and reads per replica, and reads the primary took instead. Counters only grow. */
  /** Each replica's pool, by its name: for the pool gauges. */
  pools(): { name: string; dataSource: DataSource }[] {
    return this.replicas.map((r) => ({ name: r.name, dataSource: r.dataSource }));
  }

  stats(): ReplicaStats {
    return { replicas: this.status(), primaryReads: { ...this.primaryReads }, waits: this.waits };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.checking?.catch(() => undefined);
    await Promise.all(
      this.replicas.map(async (r) => {
        await r.probe?.end().catch(() => undefined);
        r.probe = undefined;
        if (r.dataSource.isInitialized) await r.dataSource.destroy().catch(() => undefined);
      }),
    );
  }
}

/** The primary's WAL position now: after a commit, a replica that has replayed it sees that commit. */
export async function currentWalLsn(primary: DataSource): Promise<string> {
  const [row] = (await primary.query("SELECT pg_current_wal_lsn()::text AS lsn")) as { lsn: string }[];
  return row.lsn;
}
