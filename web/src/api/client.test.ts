import { afterEach, describe, expect, test, vi } from "vitest";
import type { TypedDocumentString } from "../generated/graphql";
import { execute, resetReadPosition } from "./client";

const doc = (text: string) => ({ toString: () => text }) as unknown as TypedDocumentString<unknown, Record<string, never>>;

/** fetch answering each call with `{ data: {} }` and the next of `positions` as X-Dashql-Lsn; records the headers sent. */
function stubFetch(positions: (string | null)[]) {
  const sent: (string | null)[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_url: string, init: RequestInit) => {
      sent.push(new Headers(init.headers).get("x-dashql-lsn"));
      const lsn = positions.shift();
      return new Response(JSON.stringify({ data: {} }), { status: 200, headers: { "content-type": "application/json", ...(lsn ? { "x-dashql-lsn": lsn } : {}) } });
    }),
  );
  return sent;
}

describe("read-your-writes position", () => {
  afterEach(() => {
    resetReadPosition();
    vi.unstubAllGlobals();
  });

  test("sends nothing until a response carries a position, then sends back the newest one received", async () => {
    const sent = stubFetch([null, "0/16B3748", null, "0/16B0000", "1/0", null]);
    for (let i = 0; i < 6; i++) await execute(doc("query Q { me { id } }"), {}, { token: "t" });
    // An older position (answered out of order) never replaces a newer one.
    expect(sent).toEqual([null, null, "0/16B3748", "0/16B3748", "0/16B3748", "1/0"]);
  });

  test("ignores a header that is not a WAL position", async () => {
    const sent = stubFetch(["garbage", null]);
    await execute(doc("mutation M { x }"), {}, { token: "t" });
    await execute(doc("query Q { me { id } }"), {}, { token: "t" });
    expect(sent).toEqual([null, null]);
  });
});
