import type { EntityManager } from "typeorm";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../shared/errors";
import { User, roleAtLeast } from "../user/user.entity";
import { createUser, findUserByName, type CreateUserProps } from "../user/user.service";
import { ApiKey } from "./api-key.entity";
import { generateToken, hashToken } from "./api-key.token";
import { KEY_REVOKED_CHANNEL } from "./revocations";

export interface ApiKeyCreated {
  /** The secret, returned this once. */
  token: string;
  apiKey: ApiKey;
}

function checkKeyName(name: string): string {
  const trimmed = name?.trim() ?? "";
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new InvalidInputError("name must be 1 to 100 characters after trimming", "name");
  }
  return trimmed;
}

/**
 * Creates a key for `userId` (default: the actor). A key for another user needs ADMIN.
 * `token` lets provisioning (ADMIN_TOKEN) choose the secret; otherwise one is generated.
 */
export async function createApiKey(
  em: EntityManager,
  actor: User,
  props: { name: string; userId?: number | null; token?: string },
): Promise<ApiKeyCreated> {
  const name = checkKeyName(props.name);
  const userId = props.userId ?? actor.id;
  if (userId !== actor.id && !roleAtLeast(actor.role, "ADMIN")) {
    throw new ForbiddenError("only an ADMIN may create keys for another user");
  }
  const user = userId === actor.id ? actor : await em.findOneBy(User, { id: userId });
  if (!user) throw new NotFoundError("user", userId);
  const token = props.token ?? generateToken();
  const saved = await em.save(em.create(ApiKey, { name, userId, tokenHash: hashToken(token) }));
  saved.user = user;
  return { token, apiKey: saved };
}

/** The actor's own keys; an ADMIN sees every key. Newest first. */
export async function listApiKeys(em: EntityManager, actor: User): Promise<ApiKey[]> {
  return em.find(ApiKey, {
    where: roleAtLeast(actor.role, "ADMIN") ? {} : { userId: actor.id },
    relations: { user: true },
    order: { id: "DESC" },
  });
}

/**
 * Revokes a key of the actor's own (any key, for an ADMIN). Another user's key
 * is NOT_FOUND to a non-admin, so key ids of others are not disclosed.
 * Revoking an already revoked key is a no-op that returns true.
 */
export async function revokeApiKey(em: EntityManager, actor: User, id: number): Promise<ApiKey> {
  const key = await em.findOneBy(ApiKey, { id });
  if (!key || (key.userId !== actor.id && !roleAtLeast(actor.role, "ADMIN"))) throw new NotFoundError("API key", id);
  if (key.revokedAt === null) {
    // One statement, so the notification goes out exactly when the revocation commits
    // (and not at all if it rolls back): every server's listener (listenForInvalidations) drops the key.
    await em.query(
      `WITH revoked AS (UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT pg_notify('${KEY_REVOKED_CHANNEL}', id::text) FROM revoked`,
      [id],
    );
  }
  return key;
}

/**
 * For the operator at the console (`dashql keys create`), who acts as the key's
 * owner: a key for the user named `username` (case-insensitively). NOT_FOUND for
 * an unknown user.
 */
export async function createApiKeyForUsername(em: EntityManager, username: string, props: { name: string }): Promise<ApiKeyCreated> {
  const user = await findUserByName(em, username);
  if (!user) throw new NotFoundError("user", username);
  return createApiKey(em, user, { name: props.name });
}

/**
 * For the operator at the console (`dashql keys revoke`), who acts as the key's
 * owner: revokes any key by id. NOT_FOUND for an unknown id; a revoked key is
 * returned unchanged (its `revokedAt` set).
 */
export async function revokeApiKeyById(em: EntityManager, id: number): Promise<ApiKey> {
  const key = await em.findOne(ApiKey, { where: { id }, relations: { user: true } });
  if (!key?.user) throw new NotFoundError("API key", id);
  return revokeApiKey(em, key.user, id);
}

/**
 * Creates a user and its first API key in one transaction, for `dashql users
 * create`: a new user can call the API at once. The key is named `keyName`.
 */
export async function createUserWithApiKey(em: EntityManager, props: CreateUserProps, keyName: string): Promise<ApiKeyCreated> {
  return em.transaction(async (tx) => {
    const user = await createUser(tx, props);
    return createApiKey(tx, user, { name: keyName });
  });
}
