import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildSchema, validateSchema } from "graphql";
import { printDashqlSchema } from "../src/graphql/emit-schema";
import { ROOT } from "./support/paths";

/**
 * schema.graphql is committed so clients (and codegen) can read the API without
 * starting the server. It is emitted from the resolvers; these tests fail as soon
 * as the resolvers change without `npm run schema`. (Generated typed documents are
 * checked by `npm run codegen:check` inside `npm test`.)
 */
describe("schema.graphql", () => {
  let committed: string;
  let emitted: string;

  beforeAll(async () => {
    committed = await readFile(path.join(ROOT, "schema.graphql"), "utf8");
    emitted = await printDashqlSchema();
  });

  it("is exactly what the resolvers emit", () => {
    if (committed !== emitted) {
      const a = committed.split("\n");
      const b = emitted.split("\n");
      const line = a.findIndex((text, i) => text !== b[i]);
      const at = line === -1 ? a.length : line;
      throw new Error(
        `schema.graphql is stale: run npm run schema\n` +
          `first difference at line ${at + 1}:\n  committed: ${JSON.stringify(a[at])}\n  emitted:   ${JSON.stringify(b[at])}`,
      );
    }
  });

  it("is a valid schema with the query and mutation roots clients use", () => {
    const schema = buildSchema(committed);
    expect(validateSchema(schema)).toEqual([]);
    const queries = Object.keys(schema.getQueryType()!.getFields());
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    expect(queries).toEqual(expect.arrayContaining(["me", "company", "companies", "users", "apiKeys"]));
    expect(mutations).toEqual(
      expect.arrayContaining([
        "createCompany",
        "updateCompany",
        "deleteCompany",
        "upsertFinances",
        "importCompanies",
        "createUser",
        "createApiKey",
        "revokeApiKey",
      ]),
    );
  });
});
