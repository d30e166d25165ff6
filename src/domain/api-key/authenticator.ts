import { timingSafeEqual } from "node:crypto";
import type { DataSource } from "typeorm";
import { User } from "../user/user.entity";
import { hashToken } from "./api-key.token";

export interface Principal {
  user: User;
  apiKeyId: number;
}

export interface AuthenticatorOptions {
  /**
   * How long a lookup (hit or miss) is reused. This bounds how late another
   * process sees a revocation; the revoking process forgets the key at once.
   */
  cacheTtlMs?: number;
  /** How often `lastUsedAt` is written, for all keys used since, in one statement. */
  flushIntervalMs?: number;
  /** Entries kept at most; the cache is cleared when full (keeps unknown-token floods bounded). */
  maxEntries?: number;
}

interface Entry {
  principal: Principal | null;
  hash: string;
  expiresAt: number;
}

/**
 * Turns a bearer token into a user. Lookups are cached briefly so a busy client
 * does not cost a statement per request, and `lastUsedAt` is batched instead of
 * written on every request.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly used = new Set<number>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: AuthenticatorOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
    const flushEvery = options.flushIntervalMs ?? 10_000;
    if (flushEvery > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), flushEvery);
      this.timer.unref();
    }
  }

  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    let principal: Principal | null;
    if (cached && cached.expiresAt > now) {
      principal = cached.principal;
    } else {
      principal = await this.lookup(hash);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(hash, { principal, hash, expiresAt: now + this.ttl });
    }
    if (principal) this.used.add(principal.apiKeyId);
    return principal;
  }

  /** Forgets a key at once (after revocation in this process). */
  forgetKey(apiKeyId: number): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.apiKeyId === apiKeyId) this.cache.delete(hash);
    }
  }

  /** Forgets every cached lookup of a user (after a role change). */
  forgetUser(userId: number): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.user.id === userId) this.cache.delete(hash);
    }
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

  private async lookup(hash: string): Promise<Principal | null> {
    const rows: {
      key_id: number;
      token_hash: string;
      id: number;
      username: string;
      email: string | null;
      role: User["role"];
      created_at: Date;
    }[] = await this.dataSource.query(
      `SELECT k.id AS key_id, k.token_hash, u.id, u.username, u.email, u.role, u.created_at
         FROM api_key k JOIN app_user u ON u.id = k.user_id
        WHERE k.token_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    // The index lookup already matched; the constant-time compare keeps the final
    // equality check from leaking timing should the lookup ever become a prefix scan.
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) return null;
    const user = Object.assign(new User(), {
      id: row.id,
      username: row.username,
      email: row.email,
      role: row.role,
      createdAt: row.created_at,
    });
    return { user, apiKeyId: row.key_id };
  }
}
