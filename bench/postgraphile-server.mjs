#!/usr/bin/env node
// The bench's peer: PostGraphile 5 (amber preset) on grafserv's node:http adaptor,
// over the same database dashql serves. Started by `npm run bench` (bench/lib/processes.ts):
//   NODE_ENV=production DATABASE_URL=... PORT=0 POOL_SIZE=10 \
//     node --import ./bench/node22-shim.mjs bench/postgraphile-server.mjs
// Library defaults except: only the public schema, no GraphiQL, no websockets, a pg pool
// of POOL_SIZE (10, like the floor), orderBy/condition on unindexed columns too (Q1 orders by name). Prints {"port":N} on stdout once it accepts requests.
// Plain JavaScript, not compiled: it runs from bench/ as it is.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";

const preset = {
  extends: [PostGraphileAmberPreset],
  // By default PostGraphile offers orderBy/condition only on indexed columns; company.name is
  // indexed only as lower(name), so without this there is no NAME_ASC for Q1.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_SIZE || 10) },
    }),
  ],
  grafserv: { graphiql: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema(); // build the schema before accepting traffic
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
const stop = () => {
  server.close();
  void pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
