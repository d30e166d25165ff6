import { vi } from "vitest";

/** What a handler answers: a GraphQL body ({ data } or { errors }), optionally with an HTTP status. */
export type FakeAnswer = { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[]; status?: number };
export type FakeHandler = (variables: Record<string, unknown>) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeCall {
  operationName: string;
  variables: Record<string, unknown>;
  authorization: string | null;
}

/** A GraphQL error the way dashql formats it. */
export function gqlError(code: string, message: string, extra: Record<string, unknown> = {}): FakeAnswer {
  return { errors: [{ message, extensions: { code, ...extra } }] };
}

/** A promise that never settles: keeps a view in its loading state. */
export const never = () => new Promise<FakeAnswer>(() => undefined);

/**
 * Replaces fetch with a stand-in for the dashql server at the HTTP boundary:
 * each operation (by name) gets an answer from its handler. The views are the
 * subject here; the real server and database are exercised by test/e2e.
 */
export function installFakeApi(handlers: Record<string, FakeHandler>, options: { demoKey?: string } = {}) {
  const calls: FakeCall[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith("/dev/demo-key")) {
      return options.demoKey
        ? new Response(JSON.stringify({ token: options.demoKey }), { status: 200, headers: { "content-type": "application/json" } })
        : new Response(JSON.stringify({ errors: [{ message: "no route", extensions: { code: "NOT_FOUND" } }] }), { status: 404 });
    }
    const body = JSON.parse(String(init?.body)) as { query?: string; operationName?: string; variables?: Record<string, unknown> };
    const operationName = body.operationName ?? /(?:query|mutation)\s+(\w+)/.exec(body.query ?? "")?.[1] ?? "?";
    const headers = new Headers(init?.headers);
    const call = { operationName, variables: body.variables ?? {}, authorization: headers.get("authorization") };
    calls.push(call);
    const handler = handlers[operationName];
    if (!handler) throw new Error(`fake API: no handler for ${operationName}`);
    const answer = await handler(call.variables);
    const { status = 200, ...rest } = answer;
    return new Response(JSON.stringify(rest), { status, headers: { "content-type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    calls,
    /** The calls of one operation, in order. */
    callsOf: (name: string) => calls.filter((c) => c.operationName === name),
  };
}
