import type { Command } from "commander";
import { checkRole, createUser, listUsers } from "../../domain/user/user.service";
import { createRuntime, withDatabase, type GlobalOptions } from "../runtime";

export function registerUsers(program: Command): void {
  const users = program.command("users").description("manage API users");
  users
    .command("create")
    .description("create a user; give it a key with `dashql keys create NAME --name ...`")
    .argument("<name>", "username: 1 to 64 letters, digits, '.', '-' or '_'; unique regardless of case")
    .requiredOption("--role <role>", "READER, WRITER or ADMIN")
    .option("--email <email>", "contact address")
    .action(async (name: string, options: { role: string; email?: string }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const role = checkRole(options.role.toUpperCase(), "--role");
      const user = await withDatabase(runtime, (db) => createUser(db.dataSource.manager, { username: name, role, email: options.email }), {
        poolSize: 2,
      });
      console.log(`created user ${user.username} (id ${user.id}, ${user.role}${user.email ? `, ${user.email}` : ""})`);
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
