import type { Command } from "commander";
import { createUserWithApiKey } from "../../domain/api-key/api-key.service";
import { checkRole, createUser, listUsers } from "../../domain/user/user.service";
import type { User } from "../../domain/user/user.entity";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

interface CreateOptions {
  role: string;
  email?: string;
  /** false with --no-key. */
  key: boolean;
  keyName: string;
}

const describeUser = (user: User) => `${user.username} (id ${user.id}, ${user.role}${user.email ? `, ${user.email}` : ""})`;

export function registerUsers(program: Command): void {
  const users = program.command("users").description("manage API users");
  users
    .command("create")
    .description("create a user and its first API key; the key is printed once, alone on the last line of stdout (as `keys create` does)")
    .argument("<name>", "username: 1 to 64 letters, digits, '.', '-' or '_'; unique regardless of case")
    .requiredOption("--role <role>", "READER, WRITER or ADMIN")
    .option("--email <email>", "contact address")
    .option("--key-name <name>", "what the first key is for, 1 to 100 characters", "first key")
    .option("--no-key", "create the user without a key (give it one later with `dashql keys create`)")
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const props = { username: name, role: checkRole(options.role.toUpperCase(), "--role"), email: options.email };
      if (!options.key) {
        const user = await withDatabase(runtime, (db) => createUser(db.dataSource.manager, props), { poolSize: 2 });
        console.log(`created user ${describeUser(user)}`);
        return;
      }
      const created = await withDatabase(runtime, (db) => createUserWithApiKey(db.dataSource.manager, props, options.keyName), { poolSize: 2 });
      console.log(`created user ${describeUser(created.apiKey.user!)}`);
      console.log(`created key ${created.apiKey.id} "${created.apiKey.name}"; it is shown only now:`);
      console.log(created.token);
    });
  users
    .command("list")
    .description("list users")
    .action(async (_options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const all = await withDatabase(runtime, (db) => listUsers(db.dataSource.manager), { poolSize: 2 });
      for (const u of all) console.log(`${u.id}\t${u.username}\t${u.role}\t${u.email ?? ""}`);
    });
}
