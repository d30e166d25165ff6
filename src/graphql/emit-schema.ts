import "reflect-metadata";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { lexicographicSortSchema, printSchema } from "graphql";
import { buildDashqlSchema } from "./schema";

const HEADER = `# Emitted from the TypeGraphQL resolvers by \`npm run schema\`. Do not edit by hand:
# a test fails when this file and the resolvers disagree.
`;

/** The schema as SDL, sorted so that moving code around does not reorder the file. */
export async function printDashqlSchema(): Promise<string> {
  return HEADER + "\n" + printSchema(lexicographicSortSchema(await buildDashqlSchema())) + "\n";
}

if (require.main === module) {
  const target = path.resolve(process.argv[2] ?? "schema.graphql");
  printDashqlSchema()
    .then((sdl) => writeFile(target, sdl))
    .then(() => console.log(`wrote ${path.relative(process.cwd(), target)}`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
