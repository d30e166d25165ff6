import type { Command } from "commander";
import { startApp } from "../../server/app";
import { createRuntime, type GlobalOptions } from "../runtime";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the GraphQL server (what `npm start` runs); SIGTERM/SIGINT stop it gracefully")
    .option("-p, --port <port>", "HTTP port (default: PORT or 4000)")
    .action(async (options: { port?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const runtime = createRuntime(globals, options.port ? { ...process.env, PORT: options.port } : process.env);
      const { config, logger } = runtime;
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
