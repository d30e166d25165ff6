import { once } from "node:events";
import type repl from "node:repl";
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import type { Command } from "commander";
import * as apiKeys from "../../domain/api-key/api-key.service";
import { ApiKey } from "../../domain/api-key/api-key.entity";
import * as companies from "../../domain/company/company.service";
import { Company } from "../../domain/company/company.entity";
import { Finance } from "../../domain/company/finance.entity";
import * as files from "../../domain/file/file.service";
import * as scan from "../../domain/file/scan";
import { TrackedFile } from "../../domain/file/tracked-file.entity";
import * as junit from "../../domain/queue/junit";
import { QueueItem } from "../../domain/queue/queue-item.entity";
import * as queue from "../../domain/queue/queue.service";
import * as worker from "../../domain/queue/run-claim.service";
import * as workers from "../../domain/queue/run-worker";
import * as runs from "../../domain/queue/run-processor";
import * as users from "../../domain/user/user.service";
import { User } from "../../domain/user/user.entity";
import { CliError, createRuntime, EXIT, withDatabase, type GlobalOptions } from "../runtime";

/** Every domain service, by module and flattened: `await listUsers(em)` and `await users.listUsers(em)` both work. */
const SERVICES = { companies, files, scan, queue, worker, workers, runs, junit, users, apiKeys };

/**
 * Evaluates piped input one line at a time, each line after the previous one has
 * finished, then closes the REPL. Node's REPL pauses between awaited evaluations
 * only for terminal input: with piped input `const n = await companyRepo.count()`
 * was still running when the next line read `n` (undefined), and `.exit` or the end
 * of input closed the database under the queries in flight ("Connection terminated").
 *
 * "Finished" is the REPL asking for its next prompt: it does that after a result, after
 * an uncaught error (whose path never calls the eval callback) and after a partial line
 * of a multi-line statement; `.exit` closes it instead. Resolves true when a line threw.
 */
async function feedScript(server: repl.REPLServer, input: NodeJS.ReadableStream): Promise<boolean> {
  let ready = () => {};
  // `_error` is the REPL's last uncaught error (documented): a new one after a line means that line threw.
  const lastError = () => (server.context as { _error?: unknown })._error;
  const before = lastError();
  let failed = false;
  // Without a terminal a prompt would only put "... " continuation markers into the script's output.
  server.displayPrompt = () => ready();
  let closed = false;
  const closing = new Promise<void>((resolve) =>
    server.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    const prompted = new Promise<void>((resolve) => (ready = resolve));
    server.write(`${line}\n`);
    await Promise.race([prompted, closing]);
    if (lastError() !== before) failed = true;
    if (closed) break;
  }
  if (!closed) server.close();
  return failed;
}

export function registerShell(program: Command): void {
  program
    .command("shell")
    .description(
      "a node REPL with dataSource, em, repositories (companyRepo, financeRepo, userRepo, apiKeyRepo, fileRepo, queueRepo), " +
        "entities and every domain service in scope; top-level await works. The database closes on .exit or end of input",
    )
    .action(async (_options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const failed = await withDatabase(
        runtime,
        async (db) => {
          const { dataSource } = db;
          const em = dataSource.manager;
          const interactive = process.stdin.isTTY === true;
          // Piped input (a script) gets no prompt and no echo of `undefined`, so stdout holds only what it prints.
          // Before repl.start, which draws the first prompt: printed after it, the banner pushed the prompt off its line.
          if (interactive) {
            console.log("dashql shell: em, dataSource, *Repo, entities and domain services are in scope (.exit to leave)");
          }
          // A script is fed line by line (feedScript), not through the REPL's own input: see there.
          // Loaded here, not at the top: node:repl loads node:domain, which wraps every EventEmitter's emit in
          // the process (measured on the server's hot path), and `dashql serve` shares this module graph.
          const { start } = await import("node:repl");
          const server = start({
            prompt: interactive ? "dashql> " : "",
            input: interactive ? process.stdin : new PassThrough(),
            output: process.stdout,
            useGlobal: false,
            terminal: interactive,
            ignoreUndefined: true,
          });
          const flattened = Object.assign({}, ...Object.values(SERVICES)) as Record<string, unknown>;
          Object.assign(server.context, flattened, SERVICES, {
            dataSource,
            em,
            config: runtime.config,
            logger: runtime.logger,
            Company,
            Finance,
            User,
            ApiKey,
            TrackedFile,
            QueueItem,
            companyRepo: em.getRepository(Company),
            financeRepo: em.getRepository(Finance),
            userRepo: em.getRepository(User),
            apiKeyRepo: em.getRepository(ApiKey),
            fileRepo: em.getRepository(TrackedFile),
            queueRepo: em.getRepository(QueueItem),
          });
          const exited = once(server, "exit");
          const failed = !interactive && (await feedScript(server, process.stdin));
          await exited;
          return failed;
        },
        { poolSize: 2 },
      );
      // A script run by cron or CI must not pass when one of its lines failed.
      if (failed) throw new CliError("a line of the script threw (see its error above)", EXIT.failure);
    });
}
