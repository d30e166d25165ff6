import type http from "node:http";
import type { Duplex } from "node:stream";
import type { ApolloServerPlugin } from "@apollo/server";
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import { CloseCode, makeServer, type Context as WsContext } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { DataSource } from "typeorm";
import type { Config } from "../config/config";
import type { Logger } from "../config/logger";
import type { ApiKeyAuthenticator, Principal } from "../domain/api-key/authenticator";
import type { Invalidation } from "../domain/api-key/revocations";
import { ChangeFeed, CHANGES_CHANNEL, type ChangeByTopic, type Delivery, type Topic } from "../domain/events/change-feed";
import type { NotificationHub } from "../db/notification-hub";
import { scopedDataSource, type RequestScope } from "../db/statement-counter";
import { createContext } from "../graphql/context";
import { createFormatError, toGraphQLError } from "../graphql/errors";
import { assessQueryLimits, PARSE_OPTIONS } from "../graphql/limits";
import { buildDashqlSchema } from "../graphql/schema";
import type { LiveContext } from "../graphql/subscription/live-context";
import { BoundedNames, type SubscriptionMetrics } from "./metrics";
import { checkTrustedOperation, type TrustedDocuments } from "./trusted-documents";

/** Subscriptions one WebSocket connection may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

/** Close codes, as the README documents them. */
export const LIVE_CLOSE = {
  /** No key, or an unknown or revoked one (also: a key revoked while connected). */
  unauthorized: CloseCode.Unauthorized, // 4401
  /** The server is shutting down (SIGTERM): reconnect to another one. */
  goingAway: 1001,
  /** The server lost its LISTEN connection: reconnect and refetch, events may have been missed. */
  serviceRestart: 1012,
  /** The client did not read fast enough (slow consumer), or live updates are briefly unavailable. */
  tryAgainLater: 1013,
} as const;

export interface LiveServerOptions {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  /**
   * The server process's one LISTEN connection, not yet started: the live server registers
   * for changes on it in its constructor. Its owner starts it and stops it after drain(),
   * which only detaches from it.
   */
  listener: NotificationHub;
  authenticator: ApiKeyAuthenticator;
  /** The URL path served (the same as queries). */
  path?: string;
  /** Subscription metrics (active subscriptions, events sent), when metrics are on. */
  metrics?: SubscriptionMetrics;
  /** Trusted documents: `subscribe` messages follow the same rules as HTTP requests (checkTrustedOperation). */
  trustedDocuments?: TrustedDocuments;
}

/** For metrics: a snapshot of the live-updates server. */
export interface LiveStats {
  connections: number;
  /** Subscriptions receiving events now. */
  subscriptions: number;
  /** Notifications received from PostgreSQL since start. */
  notifications: number;
  /** Changes loaded (a notification names one or more). */
  changes: number;
  /** Events sent to clients (one per subscriber per change). */
  eventsSent: number;
  /** SQL statements spent loading changes and their fields, in total. */
  statements: number;
  /** Connections closed because they read too slowly. */
  slowConsumersClosed: number;
  /** True while the LISTEN connection is in place. */
  listening: boolean;
}

interface Connection {
  socket: WebSocket;
  token: string | undefined;
  principal: Principal | undefined;
  /** Subscription ids being served on this connection, with the operation name their metrics are labelled by. */
  ids: Map<string, string>;
}

interface ConnectionExtra {
  connection: Connection;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function coded(message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * A subscriber's queue of deliveries, as the async iterator graphql-js's
 * subscription execution reads. Unbounded only in appearance: the WebSocket
 * send behind it is checked for a slow consumer on every event, and the
 * connection (with this queue) is closed past the limit.
 */
class DeliveryQueue<T extends Topic> implements AsyncIterableIterator<Delivery<T>> {
  readonly buffer: Delivery<T>[] = [];
  private waiting: ((result: IteratorResult<Delivery<T>>) => void) | undefined;
  private done = false;
  unsubscribe: () => void = () => undefined;

  push(delivery: Delivery<T>): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: delivery, done: false });
    } else {
      this.buffer.push(delivery);
    }
  }

  next(): Promise<IteratorResult<Delivery<T>>> {
    const value = this.buffer.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<Delivery<T>>> {
    this.done = true;
    this.buffer.length = 0;
    this.unsubscribe();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<Delivery<T>>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * GraphQL subscriptions over WebSocket (graphql-transport-ws, the graphql-ws
 * library) on the HTTP server's own port and path, fed by PostgreSQL change
 * notifications through one LISTEN connection.
 *
 * Documents go through the same parse options, validation and depth/complexity
 * limits as queries; only subscription operations are served here (queries and
 * mutations have one way in: HTTP, through Apollo's pipeline).
 */
export class LiveServer {
  readonly feed: ChangeFeed;
  private readonly listener: NotificationHub;
  /** Removes this server's handlers from the listener (drain). */
  private readonly detach: () => void;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private subscriptionCount = 0;
  private eventsSent = 0;
  /** Deliveries handed to subscribers and not yet executed (shutdown waits for them). */
  private pendingDeliveries = 0;
  private slowConsumersClosed = 0;
  private draining = false;
  private wasListening = false;
  /** Counts every statement the feed and subscription fields run (stats().statements). */
  private readonly scope: RequestScope = { statements: 0, requestId: "live-updates" };
  /** The DataSource as the feed and subscription contexts use it: counted in `scope`. */
  private readonly scopedSource: DataSource;
  private schema: GraphQLSchema | undefined;
  private readonly documents = new Map<string, DocumentNode>();
  /** Execution results per change, document and variables; dropped with the change. */
  private readonly results = new WeakMap<Delivery, Map<DocumentNode, Map<string, Promise<ExecutionResult> | ExecutionResult>>>();
  private readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  private readonly path: string;
  /** Operation names as metric labels, bounded like the GraphQL request metrics. */
  private readonly operationNames = new BoundedNames();
  private readonly onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head);

  constructor(private readonly options: LiveServerOptions) {
    const { config, logger, dataSource } = options;
    this.path = options.path ?? "/graphql";
    this.formatError = createFormatError({ exposeInternals: config.nodeEnv === "development", logger, requestId: () => "live-updates" });
    this.scopedSource = scopedDataSource(dataSource, this.scope);
    this.feed = new ChangeFeed({ dataSource: this.scopedSource, logger });
    this.listener = options.listener;
    const off = [
      this.listener.on(CHANGES_CHANNEL, (payload) => {
        if (payload) this.feed.push(payload);
      }),
      this.listener.onListening((listening) => this.listeningChanged(listening)),
    ];
    this.detach = () => off.forEach((unregister) => unregister());
    // perMessageDeflate off: compressing every event for 5,000 subscribers costs more CPU than it saves on a LAN,
    // and its per-socket zlib state is the largest part of a connection's memory.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });
  }

  /** Serves upgrades on the HTTP server (changes arrive once the listener, started by its owner, is in place). */
  async start(httpServer: http.Server): Promise<void> {
    this.schema = await buildDashqlSchema();
    this.serve();
    httpServer.on("upgrade", this.onUpgrade);
  }

  stats(): LiveStats {
    const feed = this.feed.stats();
    return {
      connections: this.connections.size,
      // Counted once registered with the feed (events flow from then on), not when the subscribe message arrived.
      subscriptions: feed.subscribers,
      notifications: feed.notifications,
      changes: feed.changes,
      eventsSent: this.eventsSent,
      statements: this.scope.statements,
      slowConsumersClosed: this.slowConsumersClosed,
      listening: this.listener.listening,
    };
  }

  /** Apollo's hook: `apollo.stop()` drains live connections along with HTTP requests. */
  plugin(): ApolloServerPlugin {
    return {
      serverWillStart: async () => ({
        drainServer: () => this.drain(),
      }),
    };
  }

  /**
   * A key revoked or a user changed (told through the listener, after the
   * authenticator forgot it): the connections using it check their key again and
   * those whose key no longer works are closed with 4401.
   */
  invalidated(invalidation: Invalidation): void {
    for (const connection of this.connections) {
      const p = connection.principal;
      if (!p) continue;
      if ((invalidation.kind === "key" && p.apiKeyId === invalidation.id) || (invalidation.kind === "user" && p.user.id === invalidation.id)) {
        void this.recheck(connection);
      }
    }
  }

  /**
   * SIGTERM: refuse new connections, stop listening for changes, hand every change
   * already received to its subscribers and let the sockets flush it, then close them
   * all with 1001 (clients reconnect elsewhere). The listener's connection stays up for
   * the key cache: its owner stops it after this (app.stop, after Apollo's drain).
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    await this.listener.sync();
    await this.feed.idle();
    this.detach();
    // Events already in the subscribers' queues are executed and written: wait (bounded) for that and for the sockets to flush.
    const deadline = Date.now() + Math.min(this.options.config.shutdownTimeoutMs, 5_000);
    await new Promise<void>((resolve) => {
      const check = () => {
        const busy = this.pendingDeliveries > 0 || [...this.connections].some((c) => c.socket.bufferedAmount > 0);
        if (!busy || Date.now() > deadline) resolve();
        else setTimeout(check, 10);
      };
      setImmediate(check);
    });
    const closed = [...this.connections].map((c) => this.closeSocket(c.socket, LIVE_CLOSE.goingAway, "server shutting down"));
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private listeningChanged(listening: boolean): void {
    if (listening) {
      this.wasListening = true;
      return;
    }
    if (!this.wasListening) return;
    this.wasListening = false;
    if (this.draining) return;
    // Notifications sent while the connection is down are lost for good: every subscriber must refetch.
    this.feed.discardPending();
    this.options.logger.warn({ connections: this.connections.size }, "LISTEN connection lost: closing live connections with 1012");
    for (const connection of [...this.connections]) void this.closeSocket(connection.socket, LIVE_CLOSE.serviceRestart, "live updates restarting; reconnect and refetch");
  }

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (request.url ?? "").split("?")[0];
    if (pathname !== this.path || this.draining) {
      const status = this.draining ? "503 Service Unavailable" : "404 Not Found";
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit("connection", ws, request));
  }

  /** Closes politely, and cuts a socket that does not finish the close handshake within a second. */
  private closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
    if (socket.readyState === socket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.terminate(), 1000);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
    });
  }

  private async recheck(connection: Connection): Promise<void> {
    const principal = connection.token ? await this.options.authenticator.authenticate(connection.token).catch(() => undefined) : null;
    // The database is unreachable: keep the connection. It is checked again only at the next invalidation naming its key or user.
    if (principal === undefined) return;
    if (!principal) {
      void this.closeSocket(connection.socket, LIVE_CLOSE.unauthorized, "Unauthorized: the API key was revoked");
      return;
    }
    connection.principal = principal;
  }

  private removeSubscription(connection: Connection, id: string): void {
    const label = connection.ids.get(id);
    if (label === undefined) return;
    connection.ids.delete(id);
    this.subscriptionCount -= 1;
    this.options.metrics?.active.dec({ operation_name: label });
  }

  private formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((e) => this.formatError(e.toJSON(), e));
  }

  private parseDocument(query: string): DocumentNode {
    let document = this.documents.get(query);
    if (!document) {
      document = parse(query, PARSE_OPTIONS);
      if (this.documents.size >= 1000) this.documents.clear();
      this.documents.set(query, document);
    }
    return document;
  }

  /** graphql-js's subscription execution, with each event executed on the loaders that loaded it. */
  private async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const events = source as AsyncIterableIterator<Delivery>;
    const context = args.contextValue as LiveContext;
    // Subscribers of one change with the same document and variables get the same result (no field
    // depends on who asks): it is executed once per change and shared. Measured with bench:live, 5,000
    // subscribers of which 100 follow the whole queue: executing per subscriber was most of the server's CPU.
    const key = `${args.operationName ?? ""}\u0000${JSON.stringify(args.variableValues ?? {})}`;
    const results = this.results;
    const run = (delivery: Delivery): Promise<ExecutionResult> | ExecutionResult => {
      let byDocument = results.get(delivery);
      if (!byDocument) results.set(delivery, (byDocument = new Map()));
      let byKey = byDocument.get(args.document);
      if (!byKey) byDocument.set(args.document, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) {
        result = execute({ ...args, rootValue: delivery, contextValue: { ...context, loaders: delivery.loaders } }) as
          | Promise<ExecutionResult>
          | ExecutionResult;
        byKey.set(key, result);
      }
      return result;
    };
    const done = () => (this.pendingDeliveries -= 1);
    const dropped = () => {
      if (events instanceof DeliveryQueue) this.pendingDeliveries -= events.buffer.length;
    };
    // An iterator with return(): graphql-ws calls it when the client completes or the socket closes.
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await events.next();
        if (step.done) return { value: undefined, done: true };
        try {
          return { value: await run(step.value), done: false };
        } finally {
          done();
        }
      },
      async return() {
        dropped();
        await events.return?.();
        return { value: undefined, done: true };
      },
      async throw(error: unknown) {
        dropped();
        await events.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return mapped;
  }

  private follow<T extends Topic>(connection: Connection, topic: T, accepts: (change: ChangeByTopic[T]) => boolean): AsyncIterableIterator<Delivery<T>> {
    const queue = new DeliveryQueue<T>();
    queue.unsubscribe = this.feed.subscribe(topic, {
      accepts,
      deliver: (delivery) => {
        if (connection.socket.readyState !== connection.socket.OPEN) return;
        this.pendingDeliveries += 1;
        queue.push(delivery);
      },
    });
    return queue;
  }

  private serve(): void {
    const schema = this.schema!;
    const { config, logger, authenticator } = this.options;
    const maxBuffered = config.subscriptionMaxBufferBytes;

    const server = makeServer<Record<string, unknown> | undefined, ConnectionExtra>({
      schema,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx: WsContext<Record<string, unknown> | undefined, ConnectionExtra>) => {
        const connection = ctx.extra.connection;
        if (this.draining) {
          void this.closeSocket(connection.socket, LIVE_CLOSE.goingAway, "server shutting down");
          return false;
        }
        const authorization = ctx.connectionParams?.authorization;
        const token = typeof authorization === "string" ? BEARER.exec(authorization)?.[1] : undefined;
        let principal: Principal | null = null;
        try {
          principal = token ? await authenticator.authenticate(token) : null;
        } catch (error) {
          const mapped = toGraphQLError(error);
          logger.warn({ err: error, code: mapped.extensions.code }, "live connection: key check failed");
          void this.closeSocket(connection.socket, LIVE_CLOSE.tryAgainLater, `${mapped.message}; retry shortly`);
          return false;
        }
        if (!principal) {
          void this.closeSocket(
            connection.socket,
            LIVE_CLOSE.unauthorized,
            token ? "Unauthorized: the API key is unknown or revoked" : 'Unauthorized: send {"authorization": "Bearer <api key>"} in connection_init',
          );
          return false;
        }
        if (!this.listener.listening) {
          void this.closeSocket(connection.socket, LIVE_CLOSE.tryAgainLater, "live updates are briefly unavailable; retry shortly");
          return false;
        }
        connection.token = token;
        connection.principal = principal;
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const connection = ctx.extra.connection;
        let query = payload.query;
        const trusted = this.options.trustedDocuments;
        if (trusted) {
          // The same trust rules as HTTP requests. graphql-ws requires `query` to be a string, so a trusted
          // document is sent as `query: ""` with its id in `extensions.documentId` (or `documentId`).
          const documentId = (payload as { documentId?: unknown }).documentId ?? payload.extensions?.documentId;
          try {
            query =
              checkTrustedOperation(
                trusted,
                { query: documentId != null && query === "" ? undefined : query, documentId: documentId as string | undefined },
                connection.principal?.user,
              ) ?? query;
          } catch (error) {
            const refusal = toGraphQLError(error);
            return [coded(refusal.message, String(refusal.extensions.code))];
          }
        }
        let document: DocumentNode;
        try {
          document = this.parseDocument(query);
        } catch (error) {
          return [coded(error instanceof GraphQLError ? error.message : "the document could not be parsed", "GRAPHQL_PARSE_FAILED")];
        }
        const validationErrors = validate(schema, document);
        if (validationErrors.length > 0) {
          return validationErrors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [coded("no operation in the document matches operationName", "BAD_USER_INPUT")];
        if (operation.operation !== "subscription") {
          return [coded(`only subscriptions are served over WebSocket; send ${operation.operation}s as HTTP POST to this URL`, "BAD_USER_INPUT")];
        }
        const variables = (payload.variables ?? {}) as Record<string, unknown>;
        const refusal = assessQueryLimits(schema, document, operation, variables, undefined, { operationName: payload.operationName ?? undefined });
        if (refusal) return [coded(refusal.message, String(refusal.extensions.code), { ...refusal.extensions, http: undefined })];
        if (connection.ids.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            coded(`at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete some or open another connection`, "BAD_USER_INPUT", {
              reason: "TOO_MANY_SUBSCRIPTIONS",
              limit: MAX_SUBSCRIPTIONS_PER_CONNECTION,
            }),
          ];
        }
        if (this.subscriptionCount >= config.maxSubscriptions) {
          return [
            coded("this server holds as many subscriptions as it may (MAX_SUBSCRIPTIONS); retry shortly or on another server", "SERVICE_UNAVAILABLE", {
              reason: "TOO_MANY_SUBSCRIPTIONS",
              limit: config.maxSubscriptions,
            }),
          ];
        }
        const label = this.operationNames.label(operation.name?.value);
        connection.ids.set(id, label);
        this.subscriptionCount += 1;
        this.options.metrics?.active.inc({ operation_name: label });
        const contextValue: LiveContext = {
          ...createContext({ dataSource: this.scopedSource, authenticator }, connection.principal),
          live: { follow: (topic, accepts) => this.follow(connection, topic, accepts) },
        };
        return { schema, document, operationName: payload.operationName, variableValues: variables, contextValue };
      },
      subscribe: (args) => this.subscribe(args),
      onNext: (ctx, id, _payload, _args, result) => {
        this.eventsSent += 1;
        const label = ctx.extra.connection.ids.get(id);
        if (label !== undefined) this.options.metrics?.events.inc({ operation_name: label });
        if (!result.errors) return undefined;
        return { ...result, errors: this.formatErrors(result.errors as GraphQLError[]) } as unknown as ExecutionResult;
      },
      onError: (_ctx, _id, _payload, errors) => this.formatErrors(errors),
      onComplete: (ctx, id) => this.removeSubscription(ctx.extra.connection, id),
    });

    this.wss.on("connection", (socket: WebSocket, request: http.IncomingMessage) => {
      const connection: Connection = { socket, token: undefined, principal: undefined, ids: new Map() };
      this.connections.add(connection);
      // Keep-alive: a ping every 12 s; a peer that does not answer by the next one is cut.
      let alive = true;
      socket.on("pong", () => (alive = true));
      const keepAlive = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, 12_000);
      keepAlive.unref();
      socket.on("error", (error) => {
        logger.debug({ err: error }, "live connection error");
        socket.terminate();
      });

      const closed = server.opened(
        {
          protocol: socket.protocol,
          send: (data) => {
            if (socket.readyState !== socket.OPEN) return;
            // Not awaited: the backlog then shows in bufferedAmount, which is what the slow-consumer limit reads.
            socket.send(data);
            if (socket.bufferedAmount > maxBuffered) {
              this.slowConsumersClosed += 1;
              logger.warn({ bufferedBytes: socket.bufferedAmount }, "live connection closed: slow consumer");
              // The close frame would queue behind the backlog: cut the socket instead of waiting for it.
              socket.close(LIVE_CLOSE.tryAgainLater, "slow consumer: events arrived faster than they were read");
              setTimeout(() => socket.terminate(), 1000).unref();
              for (const sub of [...connection.ids.keys()]) this.removeSubscription(connection, sub);
            }
          },
          close: (code, reason) => socket.close(code, reason),
          onMessage: (cb) =>
            socket.on("message", (message) => {
              cb(String(message)).catch((error: unknown) => {
                logger.error({ err: error }, "live connection: message handling failed");
                socket.close(CloseCode.InternalServerError, "Internal server error");
              });
            }),
        },
        { connection },
      );

      socket.once("close", (code, reason) => {
        clearInterval(keepAlive);
        this.connections.delete(connection);
        for (const id of [...connection.ids.keys()]) this.removeSubscription(connection, id);
        void closed(code, String(reason)).catch(() => undefined);
      });
    });
  }
}
