import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents for the project's own GraphQL operations, the way a frontend
 * uses dashql: each `.graphql` operation under test/operations becomes a
 * TypedDocumentNode whose result and variables types come from schema.graphql.
 * `npm run codegen` regenerates.
 *
 * The dashboard's operations (the .graphql files under web/src) get their own target: its
 * documents are strings (documentMode "string"), so the browser bundle sends the
 * query text with fetch and carries no graphql-js runtime. Documents are listed per
 * target because root-level documents would be merged into every target.
 * `npm run codegen:check` fails when either output is stale.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  generates: {
    "test/generated/": {
      documents: ["test/operations/**/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string", SafeInt: "number" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    "web/src/generated/": {
      documents: ["web/src/**/*.graphql"],
      preset: "client",
      // persisted-documents.json: the dashboard's operations by sha256, which the server trusts
      // (src/server/trusted-documents.ts); the dashboard sends their documentId instead of the text.
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" } },
      config: {
        documentMode: "string",
        scalars: { DateTime: "string", SafeInt: "number" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
  ignoreNoDocuments: true,
};

export default config;
