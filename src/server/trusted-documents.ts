import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ApolloServerPlugin } from "@apollo/server";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import { GraphQLError, Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { ConfigError } from "../config/config";
import type { Logger } from "../config/logger";
import type { User } from "../domain/user/user.entity";
import type { GraphQLContext } from "../graphql/context";
import { assessQueryLimits, PARSE_OPTIONS } from "../graphql/limits";
import type { CompiledExecutor } from "./compiled-executor";

/**
 * Trusted documents (the contract's persisted documents): the operations a
 * server knows by their sha256, the dashboard's own (generated at build time by
 * GraphQL Code Generator) plus the manifests named by TRUSTED_DOCUMENTS.
 *
 * - A request may send `documentId: "sha256:<hex>"` instead of `query`; it runs
 *   the trusted text. An unknown id is PERSISTED_QUERY_NOT_FOUND (HTTP 404).
 * - With TRUSTED_DOCUMENTS_ONLY, query text that is not a trusted document is
 *   OPERATION_NOT_TRUSTED (HTTP 403), except for ADMIN keys (GraphiQL).
 * - At start every trusted document is parsed, validated and compiled, so a bad
 *   manifest stops the server (exit code 3) instead of failing its first user.
 */

/** The dashboard's manifest, written by `npm run codegen` (client preset `persistedDocuments`) and committed. */
export const DASHBOARD_MANIFEST = path.resolve(__dirname, "../../web/src/generated/persisted-documents.json");

const HEX_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

interface TrustedDocument {
  /** sha256 of `query`, hex. */
  hash: string;
  query: string;
  /** The manifest file it came from, for messages. */
  file: string;
}

/** What an operation asks to run, as a client sent it (HTTP body or query string, or a WebSocket subscribe payload). */
export interface OperationRequest {
  query?: unknown;
  documentId?: unknown;
}

function refusal(code: "PERSISTED_QUERY_NOT_FOUND" | "OPERATION_NOT_TRUSTED" | "BAD_USER_INPUT", message: string, status: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/**
 * One instance for every refusal of untrusted text: a refused request should cost as little as possible
 * (a burst of them is what an attacker sends), and building a GraphQLError captures a stack trace each time.
 * Apollo and formatError only read it.
 */
const NOT_TRUSTED = refusal("OPERATION_NOT_TRUSTED", "this server runs only trusted documents: send the `documentId` of one", 403);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export class TrustedDocuments {
  private readonly byHash = new Map<string, TrustedDocument>();

  constructor(
    /** TRUSTED_DOCUMENTS_ONLY: refuse untrusted query text from non-ADMIN keys. */
    readonly trustedOnly: boolean,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  /**
   * Reads manifests (`{"sha256:<hex>" or "<hex>": "<query text>"}`, the format codegen
   * writes). A file that cannot be read, is not such an object, or whose key is not
   * the sha256 of its text is a configuration error naming the file and the entry.
   */
  static async load(files: readonly string[], options: { trustedOnly: boolean; optional?: readonly string[]; logger?: Logger }): Promise<TrustedDocuments> {
    const trusted = new TrustedDocuments(options.trustedOnly);
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        if (options.optional?.includes(file)) {
          options.logger?.warn({ file }, "the dashboard's persisted-documents manifest is missing (run npm run codegen); it is not trusted");
          continue;
        }
        throw new ConfigError([`TRUSTED_DOCUMENTS: cannot read ${file}: ${(error as Error).message}`]);
      }
      trusted.add(file, text);
    }
    return trusted;
  }

  /** Adds the documents of one manifest's JSON text. */
  add(file: string, json: string): void {
    const problem = (message: string) => new ConfigError([`trusted documents ${file}: ${message}`]);
    let manifest: unknown;
    try {
      manifest = JSON.parse(json);
    } catch (error) {
      throw problem(`not JSON (${(error as Error).message})`);
    }
    if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
      throw problem(`must be an object of {"sha256:<hex>": "<query text>"}`);
    }
    for (const [id, query] of Object.entries(manifest)) {
      const hash = HEX_ID.exec(id)?.[1];
      if (!hash) throw problem(`document "${id.slice(0, 80)}": the id must be sha256:<64 lowercase hex digits>`);
      if (typeof query !== "string" || query.trim() === "") throw problem(`document sha256:${hash}: the query text must be a non-empty string`);
      if (sha256(query) !== hash) throw problem(`document sha256:${hash}: the id is not the sha256 of its query text`);
      this.byHash.set(hash, { hash, query, file });
    }
  }

  /** The trusted text of an id (`sha256:<hex>` or `<hex>`), or undefined. */
  get(documentId: unknown): string | undefined {
    if (typeof documentId !== "string") return undefined;
    const hash = HEX_ID.exec(documentId)?.[1];
    return hash === undefined ? undefined : this.byHash.get(hash)?.query;
  }

  /** Whether this exact query text is a trusted document. */
  trusts(query: string): boolean {
    return this.byHash.has(sha256(query));
  }

  /**
   * Parses, validates (with the depth limit) and compiles every trusted document
   * with `executor.prepare`, so their first requests skip compilation. Throws a
   * ConfigError naming the first bad document (the server exits with code 3).
   */
  prepare(schema: Parameters<typeof validate>[0], executor: Pick<CompiledExecutor, "prepare">): void {
    for (const { hash, query, file } of this.byHash.values()) {
      const bad = (message: string) => new ConfigError([`trusted document sha256:${hash} (${path.basename(file)}): ${message}`]);
      let document: DocumentNode;
      try {
        document = parse(query, PARSE_OPTIONS);
      } catch (error) {
        throw bad(`GRAPHQL_PARSE_FAILED: ${(error as Error).message}`);
      }
      const errors = validate(schema, document);
      if (errors.length > 0) throw bad(`GRAPHQL_VALIDATION_FAILED: ${errors.map((e) => e.message).join("; ")}`);
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      for (const operation of operations) {
        const tooDeep = assessQueryLimits(schema, document, operation, undefined, undefined, { depthOnly: true });
        if (tooDeep) throw bad(`QUERY_TOO_COMPLEX: ${tooDeep.message}`);
        if (operation.operation === "subscription") continue;
        executor.prepare(query, document, operation.name?.value);
        // A client may leave operationName out when the document has one operation.
        if (operations.length === 1) executor.prepare(query, document, undefined);
      }
    }
  }

  /**
   * Apollo's automatic persisted queries in trusted-only mode: hashes resolve to
   * trusted documents only, and nothing a client sends is ever stored.
   */
  readOnlyApqCache(): KeyValueCache<string> {
    return {
      get: async (key) => this.get(key.startsWith("apq:") ? key.slice(4) : key),
      set: async () => undefined,
      delete: async () => false,
    };
  }

  /**
   * The Apollo plugin: checks every document at start (serverWillStart) and
   * turns a `documentId` into the trusted text before Apollo resolves the source,
   * so such a request goes through the same parse cache, validation, limits,
   * compiled executor and plugins as any other.
   */
  plugin(executor: Pick<CompiledExecutor, "prepare">): ApolloServerPlugin<GraphQLContext> {
    const trusted = this;
    return {
      async serverWillStart({ schema }) {
        trusted.prepare(schema, executor);
      },
      async requestDidStart({ request }) {
        if (request.query !== undefined || !request.http) return;
        const documentId = documentIdOf(request.http.method, request.http.body, request.http.search);
        // checkTrustedOperation (in context creation) already refused an unknown id.
        if (documentId !== undefined) request.query = trusted.get(documentId);
      },
    };
  }

  /**
   * The trust rules for one HTTP request, run while its context is built (after
   * the key is known, before anything is parsed): throws the coded error that
   * refuses it. Apollo tells plugins of it (contextCreationDidFail), so metrics
   * count it, and an untrusted document costs no parsing or validation.
   */
  checkHttpRequest(method: string, body: unknown, search: string | Record<string, unknown>, user: User | undefined): void {
    const fields = method === "GET" ? searchFields(search) : isRecord(body) ? body : undefined;
    if (!fields) return; // Not a single operation: Apollo answers it.
    checkTrustedOperation(this, { query: fields.query, documentId: fields.documentId }, user);
  }
}

/**
 * The trust rules for one operation, whatever its transport: HTTP requests (see
 * `TrustedDocuments.checkHttpRequest`) and WebSocket `subscribe` messages (call it
 * from graphql-ws `onSubscribe` with the message payload and the connection's user).
 * Returns the query text to run: the trusted text for a `documentId`, or the text
 * sent. Throws a GraphQLError coded PERSISTED_QUERY_NOT_FOUND (404),
 * OPERATION_NOT_TRUSTED (403) or BAD_USER_INPUT (400) to refuse it.
 */
export function checkTrustedOperation(trusted: TrustedDocuments, operation: OperationRequest, user: Pick<User, "role"> | undefined): string | undefined {
  const { query, documentId } = operation;
  if (documentId !== undefined && documentId !== null) {
    if (query !== undefined && query !== null) throw refusal("BAD_USER_INPUT", "send either `query` or `documentId`, not both", 400);
    const text = trusted.get(documentId);
    if (text === undefined) {
      throw refusal("PERSISTED_QUERY_NOT_FOUND", `no trusted document has the id ${String(documentId).slice(0, 80)}`, 404);
    }
    return text;
  }
  if (!trusted.trustedOnly || user?.role === "ADMIN") return typeof query === "string" ? query : undefined;
  if (typeof query === "string") {
    if (trusted.trusts(query)) return query;
    throw NOT_TRUSTED;
  }
  // No text: an automatic persisted query by hash, which Apollo looks up among trusted documents only
  // (readOnlyApqCache), or a malformed request Apollo refuses itself.
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function searchFields(search: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof search !== "string") return search;
  const params = new URLSearchParams(search);
  return { query: params.get("query") ?? undefined, documentId: params.get("documentId") ?? undefined };
}

function documentIdOf(method: string, body: unknown, search: string): unknown {
  if (method === "GET") return new URLSearchParams(search).get("documentId") ?? undefined;
  return isRecord(body) ? body.documentId : undefined;
}
