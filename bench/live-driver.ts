/**
 * The subscribers and the writer of `npm run bench:live`, in a process of their
 * own (started by bench/live.ts), so the server's CPU and memory are its alone.
 *
 * Subscribers are raw graphql-transport-ws sockets (one subscription each, like a
 * dashboard tab): a graphql-ws client object per subscriber would cost the driver
 * more CPU than the server it measures. The writer updates queue items with a
 * sequence number in user_tag; a subscriber that receives it records the delay
 * from the moment the UPDATE was sent (the commit is within it) to delivery.
 *
 * Talks to its parent with JSON lines on stdin/stdout.
 */
import { Client } from "pg";
import WebSocket from "ws";

interface Command {
  cmd: "connect" | "write" | "disconnect" | "exit";
  /** connect: how many subscribers, and which share follow the whole queue (the rest follow one item each). */
  subscribers?: number;
  allShare?: number;
  /** write: changes per second and for how long. */
  rate?: number;
  seconds?: number;
}

const [url, token, databaseUrl, itemCountText] = process.argv.slice(2);
const itemIds: number[] = [];
const sockets: WebSocket[] = [];
/** seq -> when its UPDATE was sent (ms, performance.now of this process). */
const sentAt = new Map<number, number>();
let latencies: number[] = [];
let received = 0;
let seq = 0;
let closedUnexpectedly = 0;

function reply(message: unknown): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const ITEM = `subscription($id: ID!) { queueItemChanged(id: $id) { kind id item { id status userTag } } }`;
const ALL = `subscription { queueChanged(filter: { owner: "bench" }) { kind id item { id status userTag } } }`;

function openSubscriber(index: number, all: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { perMessageDeflate: false });
    let ready = false;
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    socket.on("message", (data) => {
      const text = String(data);
      if (!ready) {
        const message = JSON.parse(text) as { type: string };
        if (message.type === "connection_ack") {
          const variables = all ? {} : { id: String(itemIds[index % itemIds.length]) };
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: all ? ALL : ITEM, variables } }));
          ready = true;
          resolve();
        }
        return;
      }
      // Cheap path: the sequence number is the only thing read from an event.
      const match = /"userTag":"seq:(\d+)"/.exec(text);
      if (!match) return;
      const sent = sentAt.get(Number(match[1]));
      received += 1;
      if (sent !== undefined) latencies.push(performance.now() - sent);
    });
    socket.on("close", () => {
      if (!shuttingDown) closedUnexpectedly += 1;
      if (!ready) reject(new Error("closed before connection_ack"));
    });
    socket.on("error", () => undefined);
    sockets.push(socket);
  });
}

let shuttingDown = false;

async function connect(count: number, allShare: number): Promise<void> {
  const all = Math.round(count * allShare);
  // In batches: 5,000 handshakes at once would measure the accept queue, not live updates.
  for (let start = sockets.length; start < count; start += 200) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + 200); i += 1) batch.push(openSubscriber(i, i < all));
    await Promise.all(batch);
  }
}

async function write(pg: Client, rate: number, seconds: number): Promise<void> {
  latencies = [];
  received = 0;
  const total = rate * seconds;
  const started = performance.now();
  for (let n = 0; n < total; n += 1) {
    // Paced against the schedule, not the previous write, so a slow write does not lower the rate.
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    seq += 1;
    const id = itemIds[n % itemIds.length];
    sentAt.set(seq, performance.now());
    await pg.query(`UPDATE queue_item SET user_tag = $2 WHERE id = $1`, [id, `seq:${seq}`]);
  }
  const elapsed = (performance.now() - started) / 1000;
  // Let the last events arrive.
  const deadline = performance.now() + 5_000;
  let last = -1;
  while (performance.now() < deadline && received !== last) {
    last = received;
    await new Promise((r) => setTimeout(r, 500));
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
  reply({ written: total, elapsed, received, p50: pct(50), p99: pct(99), max: sorted.at(-1) ?? NaN, closedUnexpectedly });
}

async function main(): Promise<void> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const { rows } = await pg.query<{ id: number }>(`SELECT id FROM queue_item WHERE owner = 'bench' ORDER BY id LIMIT $1`, [Number(itemCountText)]);
  itemIds.push(...rows.map((r) => r.id));
  reply({ ready: true, items: itemIds.length });
  let buffer = "";
  process.stdin.on("data", (chunk) => {
    buffer += String(chunk);
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const command = JSON.parse(line) as Command;
      void (async () => {
        if (command.cmd === "connect") {
          await connect(command.subscribers!, command.allShare ?? 0);
          reply({ connected: sockets.length });
        } else if (command.cmd === "write") {
          await write(pg, command.rate!, command.seconds!);
        } else if (command.cmd === "disconnect") {
          for (const s of sockets.splice(0)) {
            s.removeAllListeners("close");
            s.close();
          }
          reply({ disconnected: true });
        } else {
          shuttingDown = true;
          for (const s of sockets) s.terminate();
          await pg.end();
          reply({ exited: true });
          process.exit(0);
        }
      })().catch((error: unknown) => {
        reply({ error: String(error) });
      });
    }
  });
}

void main();
