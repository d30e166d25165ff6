import { postGraphQL } from "../../test/support/processes";

/** A one-off GraphQL request (verification, bulk calls), timed by the caller. */
export interface GraphQLReply {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  statements: number;
  text: string;
}

/** One POST of a prepared body (test/support's client: its own connection, X-SQL-Statements read). */
export async function post(url: string, body: string, token?: string): Promise<GraphQLReply> {
  const reply = await postGraphQL(url, body, token ?? null);
  return { status: reply.status, body: reply.body as GraphQLReply["body"], statements: reply.statements, text: reply.text };
}

export function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLReply> {
  return post(url, JSON.stringify({ query, variables }), token);
}

/** Throws with the first error message when the reply is not a clean 200. */
export function check(reply: GraphQLReply, what: string): any {
  if (reply.status !== 200 || reply.body.errors?.length) {
    const e = reply.body.errors?.[0];
    throw new Error(`${what}: HTTP ${reply.status} ${e ? `${e.extensions?.code ?? ""} ${e.message}` : reply.text.slice(0, 300)}`);
  }
  return reply.body.data;
}

/** Deep equality of two JSON values, ignoring object key order; returns the first differing path or undefined. */
export function jsonDiff(a: unknown, b: unknown, path = "data", ignore: (path: string) => boolean = () => false): string | undefined {
  if (ignore(path)) return undefined;
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") {
    return `${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${path}: ${a.length} items vs ${bb.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDiff(a[i], bb[i], `${path}[${i}]`, ignore);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = jsonDiff(ao[key], bo[key], `${path}.${key}`, ignore);
    if (d) return d;
  }
  return undefined;
}
