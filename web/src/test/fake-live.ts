import { vi } from "vitest";

/**
 * A stand-in for the browser's WebSocket speaking just enough of the
 * graphql-transport-ws protocol (connection_init/ack, subscribe, complete,
 * ping/pong) for the views' live updates: the boundary to the server, as
 * fake-api.ts is for fetch. The real socket is exercised by test/e2e.
 */
export function installFakeLive(options: { refuse?: boolean } = {}) {
  const sockets: FakeSocket[] = [];
  const subscriptions = new Map<string, { socket: FakeSocket; query: string; variables: Record<string, unknown> }>();

  class FakeSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    readonly protocol = "graphql-transport-ws";
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;

    constructor(readonly url: string) {
      sockets.push(this);
      setTimeout(() => {
        if (options.refuse) {
          this.readyState = 3;
          this.onerror?.({ type: "error" });
          this.onclose?.({ code: 1006, reason: "", wasClean: false });
        } else {
          this.readyState = 1;
          this.onopen?.({ type: "open" });
        }
      });
    }

    private reply(message: unknown) {
      setTimeout(() => this.readyState === 1 && this.onmessage?.({ data: JSON.stringify(message) }));
    }

    send(data: string) {
      const message = JSON.parse(data) as { type: string; id?: string; payload?: { query: string; variables?: Record<string, unknown> } };
      if (message.type === "connection_init") this.reply({ type: "connection_ack" });
      else if (message.type === "ping") this.reply({ type: "pong" });
      else if (message.type === "subscribe") subscriptions.set(message.id!, { socket: this, query: message.payload!.query, variables: message.payload!.variables ?? {} });
      else if (message.type === "complete") subscriptions.delete(message.id!);
    }

    close(code = 1000, reason = "") {
      if (this.readyState === 3) return;
      this.readyState = 3;
      for (const [id, sub] of subscriptions) if (sub.socket === this) subscriptions.delete(id);
      setTimeout(() => this.onclose?.({ code, reason, wasClean: true }));
    }
  }

  vi.stubGlobal("WebSocket", FakeSocket);
  const ofOperation = (name: string) => [...subscriptions.entries()].filter(([, s]) => new RegExp(`subscription\\s+${name}\\b`).test(s.query));
  return {
    sockets,
    /** The variables of the open subscriptions of one operation. */
    subscribed: (name: string) => ofOperation(name).map(([, s]) => s.variables),
    /** Sends an event to every open subscription of the operation. */
    emit(name: string, data: unknown) {
      for (const [id, sub] of ofOperation(name)) sub.socket.onmessage?.({ data: JSON.stringify({ id, type: "next", payload: { data } }) });
    },
  };
}

/** The default for every view test: a socket that never opens (neither live nor failed). */
export function installSilentLive() {
  class SilentSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    readonly protocol = "graphql-transport-ws";
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    send() {}
    close() {
      this.readyState = 3;
    }
  }
  vi.stubGlobal("WebSocket", SilentSocket);
}
