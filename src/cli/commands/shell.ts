import { once } from "node:events";
import repl from "node:repl";
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
import * as worker from "../../domain/queue/queue.worker";
import * as runs from "../../domain/queue/run-processor";
import * as users from "../../domain/user/user.service";
import { User } from "../../domain/user/user.entity";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

/** Every domain service, by module and flattened: `await listUsers(em)` and `await users.listUsers(em)` both work. */
const SERVICES = { companies, files, scan, queue, worker, runs, junit, users, apiKeys };

export function registerShell(program: Command): void {
  program
    .command("shell")
    .description(
      "a node REPL with dataSource, em, repositories (companyRepo, financeRepo, userRepo, apiKeyRepo, fileRepo, queueRepo), " +
        "entities and every domain service in scope; top-level await works. The database closes on .exit or end of input",
    )
    .action(async (_options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      await withDatabase(
        runtime,
        async (db) => {
          const { dataSource } = db;
          const em = dataSource.manager;
          const interactive = process.stdin.isTTY === true;
          // Piped input (a script) gets no prompt and no echo of `undefined`, so stdout holds only what it prints.
          const server = repl.start({ prompt: interactive ? "dashql> " : "", useGlobal: false, terminal: interactive, ignoreUndefined: true });
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
          if (interactive) {
            console.log("dashql shell: em, dataSource, *Repo, entities and domain services are in scope (.exit to leave)");
          }
          await once(server, "exit");
        },
        { poolSize: 2 },
      );
    });
}
