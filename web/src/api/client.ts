import type { TypedDocumentString } from "../generated/graphql";

/** One GraphQL error as dashql sends it: every error carries a contract code in extensions.code. */
export interface ApiErrorEntry {
  message: string;
  /** UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT, ... */
  code: string;
  /** The input field the error is about ("name", "finances[0].year", "runs[0].runDir"), when the server names one. */
  field?: string;
}

/** A request that failed: HTTP or network trouble, or a response with GraphQL errors. */
export class ApiError extends Error {
  constructor(
    readonly errors: ApiErrorEntry[],
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join("; ") || "request failed");
    this.name = "ApiError";
  }

  /** The first error's code, the one a view reacts to. */
  get code(): string {
    return this.errors[0]?.code ?? "INTERNAL_SERVER_ERROR";
  }

  /** Errors that name an input field, by field path. */
  fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const e of this.errors) if (e.field && !(e.field in byField)) byField[e.field] = e.message;
    return byField;
  }
}

interface GraphQLResponseBody<T> {
  data?: T | null;
  errors?: { message?: string; extensions?: { code?: unknown; field?: unknown } }[];
}

/** Where the dashboard sends its operations: the same origin that served it. */
export const GRAPHQL_ENDPOINT = "/graphql";

/**
 * The body of one operation: its `documentId` (the sha256 codegen wrote into the
 * document and into persisted-documents.json, which the server trusts) instead of
 * its text, so a server in trusted-documents-only mode runs it; the operation name
 * rides along for logs and tools.
 */
export function requestBody<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables) {
  const text = document.toString();
  const operationName = /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(text)?.[1];
  const hash: unknown = document.__meta__?.hash;
  return typeof hash === "string" ? { documentId: hash, operationName, variables } : { query: text, operationName, variables };
}

/**
 * Read-your-writes with read replicas: every mutation's response carries the
 * primary's WAL position (`X-Dashql-Lsn`, e.g. `0/16B3748`); sending back the
 * newest one seen makes the server read from a replica only once it has replayed
 * it, so a company created on the form is on the next page. Without replicas the
 * header is never set and nothing is sent.
 */
const LSN_HEADER = "x-dashql-lsn";
let lastLsn: { text: string; value: bigint } | undefined;

function rememberLsn(response: Response): void {
  const text = response.headers?.get(LSN_HEADER);
  const match = text ? /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text) : null;
  if (!text || !match) return;
  const value = (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
  // Responses can arrive out of order: keep the newest position.
  if (!lastLsn || value > lastLsn.value) lastLsn = { text, value };
}

/** Forgets the remembered position (for tests). */
export function resetReadPosition(): void {
  lastLsn = undefined;
}

/**
 * Sends one typed operation. Resolves with `data` only when there are no errors:
 * the dashboard's operations select nothing that can partially fail, so a
 * partial answer is treated as a failure rather than shown half-empty.
 */
export async function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: { token: string; signal?: AbortSignal },
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${options.token}`,
        ...(lastLsn ? { [LSN_HEADER]: lastLsn.text } : {}),
      },
      body: JSON.stringify(requestBody(document, variables)),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error)?.name === "AbortError") throw error;
    throw new ApiError([{ message: "cannot reach the dashql server; check that it is running", code: "NETWORK_ERROR" }], 0);
  }
  rememberLsn(response);
  let body: GraphQLResponseBody<TResult> | undefined;
  try {
    body = (await response.json()) as GraphQLResponseBody<TResult>;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) {
    throw new ApiError(
      body.errors.map((e) => ({
        message: e.message ?? "unknown error",
        code: typeof e.extensions?.code === "string" ? e.extensions.code : "INTERNAL_SERVER_ERROR",
        field: typeof e.extensions?.field === "string" ? e.extensions.field : undefined,
      })),
      response.status,
    );
  }
  if (!response.ok || !body || body.data == null) {
    throw new ApiError([{ message: `the server answered HTTP ${response.status}`, code: "INTERNAL_SERVER_ERROR" }], response.status);
  }
  return body.data;
}
