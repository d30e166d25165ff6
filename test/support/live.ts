/**
 * A graphql-ws client as a dashboard or a script uses it, recording what it
 * receives, plus a raw WebSocket for protocol-level checks (close codes).
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface LiveSubscription<T = any> {
  /** Every `next` payload's data, in order. */
  readonly events: T[];
  /** Errors the subscription ended with (formatted, with extensions.code). */
  readonly errors: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  readonly completed: boolean;
  /** Resolves with the events once `predicate` holds for the list received so far. */
  until(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the subscription has failed (errors) or completed. */
  ended(timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export interface LiveClient {
  readonly client: Client;
  readonly closes: CloseInfo[];
  /** How many times the socket was acknowledged (1 + reconnections). */
  connected(): number;
  /** `extensions` rides in the subscribe payload (e.g. `{ documentId }` for a trusted document, with `query: ""`). */
  subscribe<T = any>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): LiveSubscription<T>;
  /** Resolves once `predicate` holds for this client's state. */
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Waits for a condition checked on every change of state (and every 20 ms), failing after timeoutMs. */
export function until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 20);
  });
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, "ws");
}

export function liveClient(httpUrl: string, token: string | undefined, options: { retryAttempts?: number } = {}): LiveClient {
  const closes: CloseInfo[] = [];
  let connections = 0;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: options.retryAttempts ?? 0,
    retryWait: async () => new Promise((r) => setTimeout(r, 200)),
    shouldRetry: () => true,
    onNonLazyError: () => undefined,
    on: {
      connected: () => (connections += 1),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        closes.push({ code: e.code, reason: String(e.reason) });
      },
    },
  });
  const live: LiveClient = {
    client,
    closes,
    connected: () => connections,
    subscribe<T>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): LiveSubscription<T> {
      const events: T[] = [];
      const errors: LiveSubscription["errors"] = [];
      let completed = false;
      const dispose = client.subscribe<T>(
        { query, variables, ...(extensions ? { extensions } : {}) },
        {
          next: (value) => {
            if (value.errors) errors.push(...(value.errors as LiveSubscription["errors"]));
            if (value.data) events.push(value.data as T);
          },
          error: (error) => {
            if (Array.isArray(error)) errors.push(...(error as LiveSubscription["errors"]));
            else errors.push({ message: String((error as { reason?: string }).reason ?? error) });
            completed = true;
          },
          complete: () => (completed = true),
        },
      );
      return {
        events,
        errors,
        get completed() {
          return completed;
        },
        until: async (predicate: (events: T[]) => boolean, timeoutMs?: number) => {
          await until(`events (${events.length} so far: ${JSON.stringify(events).slice(0, 500)})`, () => predicate(events), timeoutMs);
          return events;
        },
        ended: (timeoutMs?: number) => until("the subscription to end", () => completed, timeoutMs),
        unsubscribe: dispose,
      };
    },
    waitFor: (what, predicate, timeoutMs) => until(what, predicate, timeoutMs),
    dispose: () => client.dispose() as Promise<void>,
  };
  return live;
}

/** A bare graphql-transport-ws socket: sends connection_init with `payload`, reports the close. */
export function rawSocket(httpUrl: string, payload: Record<string, unknown> | undefined) {
  const socket = new WebSocket(wsUrl(httpUrl), "graphql-transport-ws");
  const messages: any[] = [];
  const closed = new Promise<CloseInfo>((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.on("message", (data) => messages.push(JSON.parse(String(data))));
  void opened.then(() => socket.send(JSON.stringify({ type: "connection_init", ...(payload ? { payload } : {}) }))).catch(() => undefined);
  return { socket, messages, opened, closed };
}
