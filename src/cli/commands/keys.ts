import type { Command } from "commander";
import { createApiKeyForUsername, revokeApiKeyById } from "../../domain/api-key/api-key.service";
import { integerOption } from "../options";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage API keys");
  keys
    .command("create")
    .description("create an API key for USER; the token is printed once, alone on the last line of stdout")
    .argument("<user>", "username")
    .requiredOption("--name <name>", "what the key is for, 1 to 100 characters")
    .action(async (username: string, options: { name: string }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const created = await withDatabase(runtime, (db) => createApiKeyForUsername(db.dataSource.manager, username, { name: options.name }), {
        poolSize: 2,
      });
      console.log(`created key ${created.apiKey.id} "${created.apiKey.name}" for ${username} (${created.apiKey.user?.role}); it is shown only now:`);
      console.log(created.token);
    });
  keys
    .command("revoke")
    .description("revoke an API key by id; revoking a revoked key changes nothing")
    .argument("<id>", "key id", integerOption(1, 2 ** 31 - 1))
    .action(async (id: number, _options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const key = await withDatabase(runtime, (db) => revokeApiKeyById(db.dataSource.manager, id), { poolSize: 2 });
      console.log(key.revokedAt ? `key ${id} "${key.name}" was already revoked` : `revoked key ${id} "${key.name}"`);
    });
}
