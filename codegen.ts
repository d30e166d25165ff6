import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents for the project's own GraphQL operations, the way a frontend
 * uses dashql: each `.graphql` operation under test/operations becomes a
 * TypedDocumentNode whose result and variables types come from schema.graphql.
 * `npm run codegen` regenerates; test/codegen.test.ts fails when the output is stale.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["test/operations/**/*.graphql"],
  generates: {
    "test/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string", SafeInt: "number" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
  ignoreNoDocuments: true,
};

export default config;
