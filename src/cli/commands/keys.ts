import type { Command } from "commander";
import { ApiKey } from "../../domain/api-key/api-key.entity";
import { createApiKey, revokeApiKey } from "../../domain/api-key/api-key.service";
import { NotFoundError } from "../../domain/shared/errors";
import { findUserByName } from "../../domain/user/user.service";
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
      const created = await withDatabase(
        runtime,
        async (db) => {
          const em = db.dataSource.manager;
          const user = await findUserByName(em, username);
          if (!user) throw new NotFoundError("user", username);
          // The operator at the console acts as the key's owner: createApiKey then needs no ADMIN actor.
          return createApiKey(em, user, { name: options.name });
        },
        { poolSize: 2 },
      );
      console.log(`created key ${created.apiKey.id} "${created.apiKey.name}" for ${username} (${created.apiKey.user?.role}); it is shown only now:`);
      console.log(created.token);
    });
  keys
    .command("revoke")
    .description("revoke an API key by id; revoking a revoked key changes nothing")
    .argument("<id>", "key id", integerOption(1, 2 ** 31 - 1))
    .action(async (id: number, _options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const key = await withDatabase(
        runtime,
        async (db) => {
          const em = db.dataSource.manager;
          // The operator at the console acts as the key's owner, as for `keys create`.
          const owner = (await em.findOne(ApiKey, { where: { id }, relations: { user: true } }))?.user;
          if (!owner) throw new NotFoundError("API key", id);
          return revokeApiKey(em, owner, id);
        },
        { poolSize: 2 },
      );
      console.log(key.revokedAt ? `key ${id} "${key.name}" was already revoked` : `revoked key ${id} "${key.name}"`);
    });
}
