import type { Logger } from "../../config/logger";
import type { NotificationHub } from "../../db/notification-hub";

/** Channel revokeApiKey notifies in its own statement; the payload is the key id. */
export const KEY_REVOKED_CHANNEL = "dashql_api_key_revoked";
/** Channel for a user whose role changed (or who is gone); the payload is the user id. */
export const USER_CHANGED_CHANNEL = "dashql_user_changed";

export type Invalidation = { kind: "key"; id: number } | { kind: "user"; id: number };

export interface ListenForInvalidationsProps {
  logger: Logger;
  /** Called for every notification that names a key or a user. */
  onInvalidate(invalidation: Invalidation): void;
}

/**
 * Registers for key revocations and user changes on the server process's listener, so
 * every process can cache keys for a long time and still drop a revoked key within
 * milliseconds. What losing the connection means for the cache (the short TTL) is the
 * owner's to wire, with `hub.onListening`. Returns a function that unregisters.
 */
export function listenForInvalidations(hub: Pick<NotificationHub, "on">, props: ListenForInvalidationsProps): () => void {
  const handle = (kind: Invalidation["kind"], channel: string) => (payload: string) => {
    const id = /^[0-9]+$/.test(payload) ? Number(payload) : NaN;
    if (!Number.isSafeInteger(id)) {
      props.logger.warn({ channel }, "listener ignored an invalidation without a numeric id");
      return;
    }
    props.onInvalidate({ kind, id });
  };
  const off = [hub.on(KEY_REVOKED_CHANNEL, handle("key", KEY_REVOKED_CHANNEL)), hub.on(USER_CHANGED_CHANNEL, handle("user", USER_CHANGED_CHANNEL))];
  return () => off.forEach((unregister) => unregister());
}
