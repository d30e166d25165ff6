/**
 * The operations the bench drives, as a client sends them. dashql and the floor
 * receive byte-identical requests; the floor dispatches on `operationName`.
 */
export type OperationName = "Q1" | "Q2" | "Q3" | "Q4" | "M1";

const COMPANY_FIELDS = `id name ceo businessType createdAt updatedAt
  finances { id year q1Earnings q2Earnings q3Earnings q4Earnings totalEarnings }`;

export const FILE_FIELDS = "id createdAt host runDir filePath fileName fullName fileType fileSize";

export const DOCUMENTS: Record<OperationName, string> = {
  Q1: `query Q1($first: Int!, $after: String) {
  companies(first: $first, after: $after) { nodes { ${COMPANY_FIELDS} } pageInfo { hasNextPage endCursor } }
}`,
  Q2: `query Q2($id: ID!) { company(id: $id) { ${COMPANY_FIELDS} } }`,
  Q3: `query Q3($first: Int!, $after: String, $filesFirst: Int = 100) {
  queue(first: $first, after: $after) {
    nodes {
      id createdAt timeToLive runDir owner site host runTag userTag status attempts startedAt finishedAt lastError
      summary { tests failures errors skipped durationSeconds }
      files(first: $filesFirst) { ${FILE_FIELDS} }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
  Q4: `query Q4($first: Int!, $after: String, $fileType: String) {
  files(first: $first, after: $after, filter: { fileType: $fileType }) { nodes { ${FILE_FIELDS} } pageInfo { hasNextPage endCursor } }
}`,
  M1: `mutation M1($input: CreateCompanyInput!) { createCompany(input: $input) { ${COMPANY_FIELDS} } }`,
};

export const DESCRIPTIONS: Record<OperationName, string> = {
  Q1: "companies(first: 100) + finances",
  Q2: "company(id) + finances, rotating ids",
  Q3: "queue(first: 50) + summary + files",
  Q4: 'files(first: 100, fileType: "xml")',
  M1: "createCompany + 4 finance years",
};

export function requestBody(operation: OperationName, variables: Record<string, unknown>): string {
  return JSON.stringify({ operationName: operation, query: DOCUMENTS[operation], variables });
}

/** Four finance years for M1, varied by `n` so rows differ. */
export function m1Variables(name: string, n: number): Record<string, unknown> {
  const finances = [2021, 2022, 2023, 2024].map((year, i) => ({
    year,
    q1Earnings: ((n * 7 + i * 13) % 100_000) / 100 + 1000,
    q2Earnings: ((n * 11 + i * 17) % 100_000) / 100 + 1000,
    q3Earnings: ((n * 13 + i * 19) % 100_000) / 100 + 1000,
    q4Earnings: i === 3 ? null : ((n * 17 + i * 23) % 100_000) / 100 + 1000,
  }));
  return { input: { name, ceo: `CEO ${n % 997}`, businessType: "Benchmarking", finances } };
}
