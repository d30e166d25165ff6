import type { Command } from "commander";
import type { Config } from "../../config/config";
import { createRuntime, type GlobalOptions } from "../runtime";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the GraphQL server (what `npm start` runs); SIGTERM/SIGINT stop it gracefully")
    .option("-p, --port <port>", "HTTP port (default: PORT or 4000)")
    .action(async (options: { port?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const runtime = createRuntime(globals, options.port ? { ...process.env, PORT: options.port } : process.env, { quiet: false });
      const { config, logger } = runtime;
      // Loaded here, not at the top: only `serve` uses Apollo, graphql and type-graphql, and loading them
      // cost every other command ~0.45 s of CPU at start (`dashql --help`: 1.2 s user+sys before, 0.8 s after).
      // require, not import(): under module Node16 a dynamic import() stays an ES import of this CommonJS output.
      const { announceReady, isServerProcess, startClusterPrimary } = require("../../server/cluster") as typeof import("../../server/cluster");
      if (config.serverProcesses > 1 && !isServerProcess()) {
        // The primary: prepares the database, forks the server processes, and waits for the signal.
        const primary = await startClusterPrimary(config, logger, config.serverProcesses);
        const signal = waitForSignal();
        const ready = await Promise.race([primary.ready, signal.then(() => undefined)]).catch(async (error: unknown) => {
          await primary.stop();
          throw error;
        });
        if (ready) {
          logger.info({ url: ready.url, env: config.nodeEnv, processes: config.serverProcesses }, "dashql ready");
          printReady(config, ready.url, ready.demoToken, { processes: config.serverProcesses, poolSize: ready.poolSize });
          await signal;
        }
        logger.info("shutting down: server processes finish their in-flight requests");
        process.exitCode = await primary.stop();
        logger.info("stopped");
        return;
      }
      const { startApp } = require("../../server/app") as typeof import("../../server/app");
      const app = await startApp(config, logger);
      const signal = waitForSignal(isServerProcess());
      if (isServerProcess()) {
        announceReady({ url: app.server.url, demoToken: app.demoToken, poolSize: config.dbPoolSize });
      } else {
        logger.info({ url: app.server.url, env: config.nodeEnv }, "dashql ready");
        printReady(config, app.server.url, app.demoToken, { processes: 1, poolSize: config.dbPoolSize });
      }
      await signal;
      logger.info("shutting down: finishing in-flight requests");
      await app.stop();
      logger.info("stopped");
      // A server process's IPC channel to the primary would keep it alive after its server stopped.
      if (isServerProcess()) process.disconnect?.();
    });
}

/**
 * Resolves on the first SIGTERM or SIGINT (a graceful stop). A lone server then
 * removes its handlers, so a second Ctrl-C stops it at once; a server process of a
 * cluster ignores later signals (Ctrl-C reaches it and the primary's SIGTERM follows),
 * so its drain is never cut short.
 */
function waitForSignal(keepDraining = false): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      if (keepDraining) {
        process.on("SIGTERM", () => undefined);
        process.on("SIGINT", () => undefined);
      }
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

function printReady(config: Config, url: string, demoToken: string | undefined, { processes, poolSize }: { processes: number; poolSize: number }): void {
  // Before the ready line: scripts (and the tests) wait for that line, then read what came before it.
  if (processes > 1) console.log(`Serving from ${processes} processes (SERVER_PROCESSES), ${poolSize} database connections each (DB_POOL_SIZE)`);
  console.log(`dashql is ready: GraphiQL at ${url}`);
  console.log(`Dashboard: ${new URL("/", url).href}`);
  if (demoToken) {
    console.log(`Demo API key (ADMIN, development only; kept in ${config.dataDir}):`);
    console.log(`  Authorization: Bearer ${demoToken}`);
    console.log(`Try: curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${demoToken}' \\`);
    console.log(`       -d '{"query":"{ companies { nodes { name finances { year totalEarnings } } } }"}'`);
  }
}
