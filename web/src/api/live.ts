import { createClient, type Client } from "graphql-ws";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useSession } from "../auth/session";
import type { TypedDocumentString } from "../generated/graphql";
import { GRAPHQL_ENDPOINT } from "./client";
import { useQuery, type QueryState } from "./hooks";

/**
 * Live updates for the dashboard: one graphql-ws connection per signed-in key,
 * to the same origin and path as queries. Reconnection and its backoff are the
 * graphql-ws client's (randomised exponential, retried for ever while the tab
 * is open). While the socket cannot be opened the views poll every 10 s instead
 * and say they are not live.
 */

/** How often a view refreshes while live updates are unavailable. */
export const FALLBACK_POLL_MS = 10_000;

/** "connecting" before the first answer; "live" while the socket is open; "offline" after it closed or failed. */
export type LiveStatus = "connecting" | "live" | "offline";

interface LiveConnection {
  client: Client;
  status: LiveStatus;
  listeners: Set<() => void>;
  /** Bumped on every (re)connection: views refetch on a reconnection, since events may have been missed meanwhile. */
  generation: number;
}

let current: { token: string; connection: LiveConnection } | undefined;

function liveUrl(): string {
  const url = new URL(GRAPHQL_ENDPOINT, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function connectionFor(token: string): LiveConnection {
  if (current?.token === token) return current.connection;
  if (current) void current.connection.client.dispose();
  const connection: LiveConnection = { client: undefined as unknown as Client, status: "connecting", listeners: new Set(), generation: 0 };
  const set = (status: LiveStatus) => {
    if (status === "live") connection.generation += 1;
    connection.status = status;
    for (const listener of connection.listeners) listener();
  };
  connection.client = createClient({
    url: liveUrl(),
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    // Every close is retried (the server's 1012 and 1013 ask for it; a 4401 means the key is gone, which the
    // next HTTP request turns into a sign-out, and that disposes this client).
    shouldRetry: () => true,
    onNonLazyError: () => undefined,
    on: {
      connected: () => set("live"),
      closed: () => set("offline"),
      error: () => set("offline"),
    },
  });
  current = { token, connection };
  return connection;
}

/** Closes the live connection (sign-out). */
export function closeLiveConnection(): void {
  if (current) void current.connection.client.dispose();
  current = undefined;
}

/** The live connection of the session's key and its status. */
export function useLive(): { connection: LiveConnection; status: LiveStatus } {
  const { token } = useSession();
  const connection = connectionFor(token);
  const subscribe = useCallback(
    (listener: () => void) => {
      connection.listeners.add(listener);
      return () => connection.listeners.delete(listener);
    },
    [connection],
  );
  const status = useSyncExternalStore(subscribe, () => connection.status);
  return { connection, status };
}

export interface LiveQueryOptions<TData, TEvent, TEventVariables> {
  subscription: TypedDocumentString<TEvent, TEventVariables>;
  subscriptionVariables: TEventVariables;
  /**
   * Folds one event into the data shown: the new data, or "refetch" when the event
   * cannot be applied locally (e.g. a new item that belongs on the page).
   */
  apply(data: TData, event: TEvent): TData | "refetch";
}

export interface LiveQueryState<T> extends QueryState<T> {
  /** True while events arrive over the socket; false while the view polls instead. */
  live: boolean;
}

/**
 * A query kept current by a subscription instead of polling: events are folded
 * into the data as they arrive, a reconnection refetches (events may have been
 * missed), and while the socket is down the query polls every FALLBACK_POLL_MS.
 */
export function useLiveQuery<TData, TVariables, TEvent, TEventVariables>(
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  options: LiveQueryOptions<TData, TEvent, TEventVariables>,
): LiveQueryState<TData> {
  const { connection, status } = useLive();
  const statusRef = useRef(status);
  statusRef.current = status;
  const query = useQuery(document, variables, { poll: () => (statusRef.current === "offline" ? FALLBACK_POLL_MS : undefined) });
  const [overlay, setOverlay] = useState<{ base: TData | undefined; value: TData } | undefined>(undefined);
  const shown = overlay && overlay.base === query.data ? overlay.value : query.data;
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const baseRef = useRef(query.data);
  baseRef.current = query.data;
  const applyRef = useRef(options.apply);
  applyRef.current = options.apply;
  const { refetch } = query;

  // Going offline starts the fallback polling (the poll schedule is read after each answer);
  // coming back after being offline refetches what the socket may have missed.
  const seenGeneration = useRef(connection.generation);
  useEffect(() => {
    if (status === "offline") refetch();
    if (status === "live" && connection.generation !== seenGeneration.current) {
      if (seenGeneration.current !== 0) refetch();
      seenGeneration.current = connection.generation;
    }
  }, [status, connection, refetch]);

  const eventKey = JSON.stringify(options.subscriptionVariables);
  const subscriptionRef = useRef(options.subscription);
  subscriptionRef.current = options.subscription;
  const eventVariablesRef = useRef(options.subscriptionVariables);
  eventVariablesRef.current = options.subscriptionVariables;
  useEffect(() => {
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    const dispose = connection.client.subscribe<TEvent>(
      { query: subscriptionRef.current.toString(), variables: eventVariablesRef.current as Record<string, unknown> },
      {
        next: (message) => {
          const event = message.data;
          const data = shownRef.current;
          if (!event || data === undefined) return;
          const next = applyRef.current(data, event as TEvent);
          if (next === "refetch") {
            // A burst of changes (a bulk enqueue) costs one refetch, not one per event.
            clearTimeout(refetchTimer);
            refetchTimer = setTimeout(refetch, 300);
          } else if (next !== data) {
            setOverlay({ base: baseRef.current, value: next });
          }
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return () => {
      clearTimeout(refetchTimer);
      dispose();
    };
  }, [connection, eventKey, refetch]);

  return { ...query, data: shown, live: status === "live" };
}
