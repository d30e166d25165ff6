import type { EntityManager } from "typeorm";
import { User } from "../user/user.entity";
import { ApiKey } from "./api-key.entity";
import { createApiKey } from "./api-key.service";
import { hashToken } from "./api-key.token";
import { USER_CHANGED_CHANNEL } from "./revocations";

const ADMIN_TOKEN_LOCK = 0x61646d6e; // "admn"

/**
 * Guarantees an ADMIN whose key is exactly `token` (ADMIN_TOKEN): creates the
 * `admin` user and the key when missing, and restores the role or un-revokes the
 * key when someone changed them. Safe when several servers start at once.
 */
export async function ensureAdminToken(em: EntityManager, token: string): Promise<User> {
  return em.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ADMIN_TOKEN_LOCK]);
    const hash = hashToken(token);
    const existing = await tx
      .getRepository(ApiKey)
      .createQueryBuilder("k")
      .innerJoinAndSelect("k.user", "u")
      .where("k.token_hash = :hash", { hash })
      .getOne();
    if (existing?.user) {
      if (existing.revokedAt !== null) await tx.update(ApiKey, { id: existing.id }, { revokedAt: null });
      if (existing.user.role !== "ADMIN") {
        await tx.update(User, { id: existing.user.id }, { role: "ADMIN" });
        // Servers that cached this user's keys with the old role drop them on commit.
        await tx.query("SELECT pg_notify($1, $2)", [USER_CHANGED_CHANNEL, String(existing.user.id)]);
      }
      existing.user.role = "ADMIN";
      return existing.user;
    }
    let admin = await tx.findOneBy(User, { username: "admin" });
    if (!admin) admin = await tx.save(tx.create(User, { username: "admin", email: null, role: "ADMIN" }));
    else if (admin.role !== "ADMIN") {
      await tx.update(User, { id: admin.id }, { role: "ADMIN" });
      await tx.query("SELECT pg_notify($1, $2)", [USER_CHANGED_CHANNEL, String(admin.id)]);
      admin.role = "ADMIN";
    }
    await createApiKey(tx, admin, { name: "ADMIN_TOKEN", token });
    return admin;
  });
}
