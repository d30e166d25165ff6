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

/*
 * The same questions put to PostGraphile 5 (amber preset), the peer. Its schema is
 * introspected from dashql's tables, so names differ (allCompanies, rowId,
 * financesByCompanyId ...) and numerics come back as strings; `canonical` below
 * maps both answers to one shape for the one-off comparison.
 */
const PEER_FINANCES = "financesByCompanyId(orderBy: YEAR_DESC) { nodes { year q1Earnings q2Earnings q3Earnings q4Earnings } }";
const PEER_COMPANY = `rowId name ceo businessType ${PEER_FINANCES}`;
const PEER_FILE = "rowId createdAt host runDir filePath fileName fullName fileType fileSize";

export const PEER_DOCUMENTS: Partial<Record<OperationName, string>> = {
  Q1: `query Q1($first: Int!) { allCompanies(first: $first, orderBy: NAME_ASC) { nodes { ${PEER_COMPANY} } pageInfo { hasNextPage endCursor } } }`,
  Q2: `query Q2($id: Int!) { companyByRowId(rowId: $id) { ${PEER_COMPANY} } }`,
  Q3: `query Q3($first: Int!, $filesFirst: Int = 100) {
  allQueueItems(first: $first, orderBy: PRIMARY_KEY_DESC) {
    nodes {
      rowId createdAt timeToLive runDir owner site host runTag userTag status attempts startedAt finishedAt lastError summary
      trackedFilesByQueueItemId(first: $filesFirst, orderBy: PRIMARY_KEY_DESC) { nodes { ${PEER_FILE} } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
  Q4: `query Q4($first: Int!, $fileType: String) {
  allTrackedFiles(first: $first, orderBy: PRIMARY_KEY_DESC, condition: { fileType: $fileType }) { nodes { ${PEER_FILE} } pageInfo { hasNextPage endCursor } }
}`,
  // No nested inserts in PostGraphile 5's CRUD mutations: the company and its 4 years are 1 + 4
  // mutations in one request, the finances pointing at a company id the client chose (see PEER_NOTES).
  M1: `mutation M1($company: CompanyInput!, $f0: FinanceInput!, $f1: FinanceInput!, $f2: FinanceInput!, $f3: FinanceInput!) {
  c: createCompany(input: { company: $company }) { company { rowId name ceo businessType } }
  f0: createFinance(input: { finance: $f0 }) { finance { year q1Earnings q2Earnings q3Earnings q4Earnings } }
  f1: createFinance(input: { finance: $f1 }) { finance { year q1Earnings q2Earnings q3Earnings q4Earnings } }
  f2: createFinance(input: { finance: $f2 }) { finance { year q1Earnings q2Earnings q3Earnings q4Earnings } }
  f3: createFinance(input: { finance: $f3 }) { finance { year q1Earnings q2Earnings q3Earnings q4Earnings } }
}`,
};

/** How the peer's version of an operation differs from dashql's (shown in the report). */
export const PEER_NOTES: Partial<Record<OperationName, string>> = {
  Q1: "PostGraphile orders by name (collation), dashql by lower(name), id",
  M1:
    "createCompany + 4 createFinance as 5 root mutation fields of one request, with a client-chosen (negative) company id " +
    "because a mutation cannot use the id an earlier one returned (no nested inserts); dashql: one createCompany in one transaction",
};

export function peerRequestBody(operation: OperationName, variables: Record<string, unknown>): string {
  return JSON.stringify({ operationName: operation, query: PEER_DOCUMENTS[operation], variables });
}

/** dashql-side variables turned into the peer's (Q2's id is an Int there). */
export function peerVariables(operation: OperationName, variables: Record<string, unknown>): Record<string, unknown> {
  if (operation === "Q2") return { id: Number(variables.id) };
  return variables;
}

/**
 * M1 for the peer as a load-generator template: "%N%" (the request counter) makes the
 * name unique and, with the fixed-width `slot` (10..99, one per round), a negative
 * company id no other round and no dashql insert (identity, positive) can take.
 */
export function peerM1Template(name: string, slot: number): string {
  if (slot < 10 || slot > 99) throw new Error("peer M1 slot must be two digits");
  const v = m1Variables(name, 1).input as { name: string; ceo: string; businessType: string; finances: Record<string, unknown>[] };
  const id = `__ID__`;
  const vars: Record<string, unknown> = { company: { rowId: id, name: v.name, ceo: v.ceo, businessType: v.businessType } };
  v.finances.forEach((f, i) => (vars[`f${i}`] = { ...f, companyId: id }));
  return peerRequestBody("M1", vars).replaceAll(`"${id}"`, `-1%N%${slot}`);
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const time = (v: unknown) => (typeof v === "string" ? new Date(v).toISOString() : v);
const finances = (list: any[]) =>
  [...list]
    .map((f) => ({ year: f.year, q1: num(f.q1Earnings), q2: num(f.q2Earnings), q3: num(f.q3Earnings), q4: num(f.q4Earnings) }))
    .sort((a, b) => b.year - a.year);
const company = (c: any, peer: boolean) =>
  c && { id: String(peer ? c.rowId : c.id), name: c.name, ceo: c.ceo, businessType: c.businessType, finances: finances(peer ? c.financesByCompanyId.nodes : c.finances) };
const file = (f: any, peer: boolean) => ({
  id: String(peer ? f.rowId : f.id),
  createdAt: time(f.createdAt),
  host: f.host,
  runDir: f.runDir,
  filePath: f.filePath,
  fileName: f.fileName,
  fullName: f.fullName,
  fileType: f.fileType,
  fileSize: num(f.fileSize),
});
const summary = (s: any) =>
  s && { tests: num(s.tests), failures: num(s.failures), errors: num(s.errors), skipped: num(s.skipped), durationSeconds: num(s.durationSeconds) };

/**
 * dashql's and the peer's answer to the same question in one shape (the fields both
 * return; numbers as numbers, times as ISO strings), to compare them once.
 */
export function canonical(operation: OperationName, data: any, peer: boolean): unknown {
  switch (operation) {
    case "Q1":
      return (peer ? data.allCompanies : data.companies).nodes.map((c: any) => company(c, peer));
    case "Q2":
      return company(peer ? data.companyByRowId : data.company, peer);
    case "Q3":
      return (peer ? data.allQueueItems : data.queue).nodes.map((q: any) => ({
        id: String(peer ? q.rowId : q.id),
        ...Object.fromEntries(["runDir", "owner", "site", "host", "runTag", "userTag", "status", "attempts", "lastError"].map((k) => [k, q[k]])),
        ...Object.fromEntries(["createdAt", "timeToLive", "startedAt", "finishedAt"].map((k) => [k, time(q[k])])),
        summary: summary(q.summary),
        files: (peer ? q.trackedFilesByQueueItemId.nodes : q.files).map((f: any) => file(f, peer)),
      }));
    case "Q4":
      return (peer ? data.allTrackedFiles : data.files).nodes.map((f: any) => file(f, peer));
    case "M1": {
      const c = peer ? data.c.company : data.createCompany;
      const list = peer ? [data.f0, data.f1, data.f2, data.f3].map((f: any) => f.finance) : c.finances;
      return { ceo: c.ceo, businessType: c.businessType, finances: finances(list) };
    }
  }
}
