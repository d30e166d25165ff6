import { timingSafeEqual } from "node:crypto";
import type { DataSource } from "typeorm";
import { entityRows } from "../shared/entity-rows";
import { User } from "../user/user.entity";
import { hashToken } from "./api-key.token";

export interface Principal {
  user: User;
  apiKeyId: number;
}

export interface AuthenticatorOptions {
  /**
   * How long a found key is reused while the revocation listener is in place:
   * revocations arrive by notification, so this only bounds memory staleness
   * (e.g. AUTH_CACHE_TTL_MS, 60 s). Most requests then cost no statement for auth.
   */
  cacheTtlMs?: number;
  /**
   * How long any lookup is reused while no listener is in place (not attached yet,
   * or its connection is down), and how long a miss is reused at all. This is the
   * bound on how late this process sees a revocation made elsewhere when
   * notifications cannot arrive. The revoking process forgets the key at once.
   */
  fallbackTtlMs?: number;
  /** How often `lastUsedAt` is written, for all keys used since, in one statement. */
  flushIntervalMs?: number;
  /** Entries kept at most; the cache is cleared when full (keeps unknown-token floods bounded). */
  maxEntries?: number;
}

interface Entry {
  principal: Principal | null;
  cachedAt: number;
}

/**
 * Turns a bearer token into a user. Lookups are cached so a busy client does not
 * cost a statement per request, and `lastUsedAt` is batched instead of written on
 * every request. With the server's listener attached (`setListening`,
 * `invalidate`), found keys are kept for `cacheTtlMs` and dropped on notification;
 * without one, every entry lives only `fallbackTtlMs`.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly used = new Set<number>();
  private readonly ttl: number;
  private readonly fallbackTtl: number;
  private readonly maxEntries: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private listening = false;
  /**
   * Bumped by every invalidation: a lookup that was in flight while a key was
   * revoked may have read the row before the revocation committed, so its result
   * is used for that request but not cached.
   */
  private epoch = 0;

  constructor(
    private readonly dataSource: DataSource,
    options: AuthenticatorOptions = {},
  ) {
    this.fallbackTtl = options.fallbackTtlMs ?? 1000;
    this.ttl = Math.max(options.cacheTtlMs ?? 60_000, this.fallbackTtl);
    this.maxEntries = options.maxEntries ?? 10_000;
    const flushEvery = options.flushIntervalMs ?? 10_000;
    if (flushEvery > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushEvery);
      this.timer.unref();
    }
  }

  /** Told of every lookup, answered from the cache (true) or not: the server's metrics count them. */
  onCacheLookup: ((hit: boolean) => void) | undefined;

  /** `via`: where a lookup runs (a request's scoped view of the DataSource, so the request counts it); the authenticator's own by default. */
  async authenticate(token: string, via: DataSource = this.dataSource): Promise<Principal | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    let principal: Principal | null;
    if (cached && now - cached.cachedAt < this.ttlOf(cached)) {
      this.onCacheLookup?.(true);
      principal = cached.principal;
    } else {
      this.onCacheLookup?.(false);
      const epoch = this.epoch;
      principal = await this.lookup(hash, via);
      if (epoch === this.epoch) {
        if (this.cache.size >= this.maxEntries) this.cache.clear();
        this.cache.set(hash, { principal, cachedAt: now });
      } else {
        this.cache.delete(hash);
      }
    }
    if (principal) this.used.add(principal.apiKeyId);
    return principal;
  }

  /**
   * The listener's state. Going up clears the cache: notifications sent while it
   * was down are lost, so anything cached before may be stale. While down, entries
   * expire after `fallbackTtlMs` measured from when they were cached.
   */
  setListening(listening: boolean): void {
    if (listening) this.clear();
    this.listening = listening;
  }

  /** Applies a notification from any process: a revoked key or a changed user. */
  invalidate(invalidation: { kind: "key" | "user"; id: number }): void {
    if (invalidation.kind === "key") this.forgetKey(invalidation.id);
    else this.forgetUser(invalidation.id);
  }

  /** Forgets a key at once (after revocation in this process). */
  forgetKey(apiKeyId: number): void {
    this.epoch += 1;
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.apiKeyId === apiKeyId) this.cache.delete(hash);
    }
  }

  /** Forgets every cached lookup of a user (after a role change). */
  forgetUser(userId: number): void {
    this.epoch += 1;
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.user.id === userId) this.cache.delete(hash);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.epoch += 1;
    this.cache.clear();
  }

  private ttlOf(entry: Entry): number {
    // A miss may become a hit when a key is created or un-revoked (ADMIN_TOKEN), and
    // nothing notifies that: misses always use the short TTL.
    return this.listening && entry.principal ? this.ttl : this.fallbackTtl;
  }

  /** Writes lastUsedAt for every key used since the last flush. */
  async flush(): Promise<void> {
    if (this.used.size === 0 || !this.dataSource.isInitialized) return;
    const ids = [...this.used];
    this.used.clear();
    await this.dataSource.query(`UPDATE api_key SET last_used_at = now() WHERE id = ANY($1::int[])`, [ids]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  private async lookup(hash: string, via: DataSource): Promise<Principal | null> {
    const user = entityRows(this.dataSource.manager, User, "u");
    const rows: Record<string, unknown>[] = await via.query(
      `SELECT k.id AS key_id, k.token_hash, ${user.select}
         FROM api_key k JOIN app_user u ON u.id = k.user_id
        WHERE k.token_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    // The index lookup already matched; the constant-time compare keeps the final
    // equality check from leaking timing should the lookup ever become a prefix scan.
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash as string), Buffer.from(hash))) return null;
    return { user: user.map(row), apiKeyId: row.key_id as number };
  }
}
