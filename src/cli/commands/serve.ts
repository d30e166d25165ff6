import type { Command } from "commander";
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
      const { startApp } = require("../../server/app") as typeof import("../../server/app");
      const app = await startApp(config, logger);
      logger.info({ url: app.server.url, env: config.nodeEnv }, "dashql ready");
      console.log(`dashql is ready: GraphiQL at ${app.server.url}`);
      console.log(`Dashboard: ${new URL("/", app.server.url).href}`);
      if (app.demoToken) {
        console.log(`Demo API key (ADMIN, development only; kept in ${config.dataDir}):`);
        console.log(`  Authorization: Bearer ${app.demoToken}`);
        console.log(`Try: curl -s ${app.server.url} -H 'content-type: application/json' -H 'authorization: Bearer ${app.demoToken}' \\`);
        console.log(`       -d '{"query":"{ companies { nodes { name finances { year totalEarnings } } } }"}'`);
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, "shutting down: finishing in-flight requests");
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          resolve();
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      await app.stop();
      logger.info("stopped");
    });
}
