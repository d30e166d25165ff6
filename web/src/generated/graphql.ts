/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ChangeKind =
  | 'CREATED'
  | 'DELETED'
  | 'UPDATED';

export type CompanyFilter = {
  /** Exact match. */
  businessType?: string | null | undefined;
  /** Exact match. */
  ceo?: string | null | undefined;
  /** Case-insensitive substring of the name. */
  nameContains?: string | null | undefined;
};

export type CreateCompanyInput = {
  businessType?: string | null | undefined;
  ceo?: string | null | undefined;
  /** Created in the same transaction: all or nothing. */
  finances?: Array<FinanceInput> | null | undefined;
  /** 1..140 characters after trimming; unique case-insensitively. */
  name: string;
};

export type EnqueueRunInput = {
  /** Null and "" are the same host. */
  host?: string | null | undefined;
  owner: string;
  /** Directory of the run; with host, the key of an active (QUEUED or RUNNING) item. */
  runDir: string;
  /** Default "Development". */
  runTag?: string | null | undefined;
  site?: string | null | undefined;
  /** Default: 24 hours from now; must be in the future. */
  timeToLive?: string | null | undefined;
  /** Default "". */
  userTag?: string | null | undefined;
};

export type FileFilter = {
  /** Only files registered after this time. */
  createdAfter?: string | null | undefined;
  /** Extension ("xml" or ".xml"), case-insensitive. */
  fileType?: string | null | undefined;
  /** Exact match. */
  host?: string | null | undefined;
  /** Exact match. */
  runDir?: string | null | undefined;
};

export type FinanceInput = {
  q1Earnings?: number | null | undefined;
  q2Earnings?: number | null | undefined;
  q3Earnings?: number | null | undefined;
  q4Earnings?: number | null | undefined;
  /** 1900..2200 */
  year: number;
};

export type QueueFilter = {
  /** Exact match. */
  host?: string | null | undefined;
  /** Exact match. */
  owner?: string | null | undefined;
  /** Exact match. */
  runTag?: string | null | undefined;
  status?: QueueStatus | null | undefined;
};

export type QueueStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** READER reads; WRITER also changes data; ADMIN also manages users and keys. */
export type Role =
  | 'ADMIN'
  | 'READER'
  | 'WRITER';

export type TrendsPassRateQueryVariables = Exact<{
  from: string;
  timeZone: string;
}>;


export type TrendsPassRateQuery = { runAggregates: Array<{ bucket: string | null, runs: number, summarized: number, tests: number, failures: number, errors: number, skipped: number, passRate: number | null }> };

export type TrendsRunsByStatusQueryVariables = Exact<{
  from: string;
  timeZone: string;
}>;


export type TrendsRunsByStatusQuery = { runAggregates: Array<{ bucket: string | null, status: QueueStatus | null, runs: number }> };

export type TrendsFailuresByHostQueryVariables = Exact<{
  from: string;
}>;


export type TrendsFailuresByHostQuery = { runAggregates: Array<{ host: string | null, runs: number, failures: number, errors: number }> };

export type TrendsBytesByHostQueryVariables = Exact<{
  createdAfter: string;
}>;


export type TrendsBytesByHostQuery = { fileAggregates: Array<{ host: string | null, files: number, bytes: number }> };

export type EarningsByBusinessTypeQueryVariables = Exact<{
  fromYear: number;
}>;


export type EarningsByBusinessTypeQuery = { financeAggregates: Array<{ year: number | null, businessType: string | null, companies: number, sum: { total: number | null } }> };

export type CompanyListQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: CompanyFilter | null | undefined;
}>;


export type CompanyListQuery = { companies: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, ceo: string | null, businessType: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CompanyDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type CompanyDetailQuery = { company: { id: string, name: string, ceo: string | null, businessType: string | null, createdAt: string, updatedAt: string, finances: Array<{ id: string, year: number, q1Earnings: number | null, q2Earnings: number | null, q3Earnings: number | null, q4Earnings: number | null, totalEarnings: number | null }> } | null };

export type CreateCompanyWithFinancesMutationVariables = Exact<{
  input: CreateCompanyInput;
}>;


export type CreateCompanyWithFinancesMutation = { createCompany: { id: string, name: string } };

export type FileListQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: FileFilter | null | undefined;
}>;


export type FileListQuery = { files: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, createdAt: string, host: string, runDir: string, fullName: string, fileName: string, fileType: string, fileSize: number, queueItem: { id: string, status: QueueStatus } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RunChangedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type RunChangedSubscription = { queueItemChanged: { kind: ChangeKind, id: string, item: { id: string, createdAt: string, timeToLive: string, runDir: string, owner: string, site: string | null, host: string | null, runTag: string, userTag: string, status: QueueStatus, attempts: number, startedAt: string | null, finishedAt: string | null, lastError: string | null, files: Array<{ id: string, fullName: string, fileName: string, fileType: string, fileSize: number, createdAt: string }>, summary: { tests: number, failures: number, errors: number, skipped: number, durationSeconds: number } | null } | null } };

export type QueueChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type QueueChangedSubscription = { queueChanged: { kind: ChangeKind, id: string, item: { id: string, createdAt: string, timeToLive: string, runDir: string, owner: string, site: string | null, host: string | null, runTag: string, userTag: string, status: QueueStatus, attempts: number, startedAt: string | null, finishedAt: string | null, lastError: string | null, summary: { tests: number, failures: number, errors: number, skipped: number, durationSeconds: number } | null } | null } };

export type CompaniesChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type CompaniesChangedSubscription = { companiesChanged: { kind: ChangeKind, id: string } };

export type RunFieldsFragment = { id: string, createdAt: string, timeToLive: string, runDir: string, owner: string, site: string | null, host: string | null, runTag: string, userTag: string, status: QueueStatus, attempts: number, startedAt: string | null, finishedAt: string | null, lastError: string | null, summary: { tests: number, failures: number, errors: number, skipped: number, durationSeconds: number } | null };

export type RunListQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: QueueFilter | null | undefined;
}>;


export type RunListQuery = { queue: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, createdAt: string, timeToLive: string, runDir: string, owner: string, site: string | null, host: string | null, runTag: string, userTag: string, status: QueueStatus, attempts: number, startedAt: string | null, finishedAt: string | null, lastError: string | null, summary: { tests: number, failures: number, errors: number, skipped: number, durationSeconds: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RunDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type RunDetailQuery = { queueItem: { id: string, createdAt: string, timeToLive: string, runDir: string, owner: string, site: string | null, host: string | null, runTag: string, userTag: string, status: QueueStatus, attempts: number, startedAt: string | null, finishedAt: string | null, lastError: string | null, files: Array<{ id: string, fullName: string, fileName: string, fileType: string, fileSize: number, createdAt: string }>, summary: { tests: number, failures: number, errors: number, skipped: number, durationSeconds: number } | null } | null };

export type EnqueueRunMutationVariables = Exact<{
  run: EnqueueRunInput;
}>;


export type EnqueueRunMutation = { enqueueRuns: Array<{ id: string, status: QueueStatus, runDir: string }> };

export type CancelRunMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelRunMutation = { cancelQueueItem: { id: string, status: QueueStatus } };

export type PurgeQueueMutationVariables = Exact<{
  timeToLiveAfter: string;
}>;


export type PurgeQueueMutation = { purgeQueue: number };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, username: string, role: Role } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const RunFieldsFragmentDoc = new TypedDocumentString(`
    fragment RunFields on QueueItem {
  id
  createdAt
  timeToLive
  runDir
  owner
  site
  host
  runTag
  userTag
  status
  attempts
  startedAt
  finishedAt
  lastError
  summary {
    tests
    failures
    errors
    skipped
    durationSeconds
  }
}
    `, {"fragmentName":"RunFields"}) as unknown as TypedDocumentString<RunFieldsFragment, unknown>;
export const TrendsPassRateDocument = new TypedDocumentString(`
    query TrendsPassRate($from: DateTime!, $timeZone: String!) {
  runAggregates(
    groupBy: []
    bucket: DAY
    timeZone: $timeZone
    filter: {from: $from}
  ) {
    bucket
    runs
    summarized
    tests
    failures
    errors
    skipped
    passRate
  }
}
    `, {"hash":"sha256:834cc58114207a7870c7e6f6726490342a5679113636ea06731e3ea77ae30527"}) as unknown as TypedDocumentString<TrendsPassRateQuery, TrendsPassRateQueryVariables>;
export const TrendsRunsByStatusDocument = new TypedDocumentString(`
    query TrendsRunsByStatus($from: DateTime!, $timeZone: String!) {
  runAggregates(
    groupBy: [STATUS]
    bucket: DAY
    timeZone: $timeZone
    filter: {from: $from}
  ) {
    bucket
    status
    runs
  }
}
    `, {"hash":"sha256:1d1fe628bdaa1b41b7c87cb99a44644b30c1c28ee98676bca0e1a1937e4c6114"}) as unknown as TypedDocumentString<TrendsRunsByStatusQuery, TrendsRunsByStatusQueryVariables>;
export const TrendsFailuresByHostDocument = new TypedDocumentString(`
    query TrendsFailuresByHost($from: DateTime!) {
  runAggregates(groupBy: [HOST], filter: {from: $from}) {
    host
    runs
    failures
    errors
  }
}
    `, {"hash":"sha256:ef242f17831782c83bdb2a6c09300b3817a3bb12101cd94fb3e747f741a598fa"}) as unknown as TypedDocumentString<TrendsFailuresByHostQuery, TrendsFailuresByHostQueryVariables>;
export const TrendsBytesByHostDocument = new TypedDocumentString(`
    query TrendsBytesByHost($createdAfter: DateTime!) {
  fileAggregates(groupBy: [HOST], filter: {createdAfter: $createdAfter}) {
    host
    files
    bytes
  }
}
    `, {"hash":"sha256:ca5500063a74d3e352aff903fb4939287df72c35d53f0c93a2e9b9141df24dd2"}) as unknown as TypedDocumentString<TrendsBytesByHostQuery, TrendsBytesByHostQueryVariables>;
export const EarningsByBusinessTypeDocument = new TypedDocumentString(`
    query EarningsByBusinessType($fromYear: Int!) {
  financeAggregates(groupBy: [YEAR, BUSINESS_TYPE], filter: {fromYear: $fromYear}) {
    year
    businessType
    companies
    sum {
      total
    }
  }
}
    `, {"hash":"sha256:cfbd30ee931895df899ff4325675a3bcca717b07b7507e48ed80ca9362670128"}) as unknown as TypedDocumentString<EarningsByBusinessTypeQuery, EarningsByBusinessTypeQueryVariables>;
export const CompanyListDocument = new TypedDocumentString(`
    query CompanyList($first: Int!, $after: String, $filter: CompanyFilter) {
  companies(first: $first, after: $after, filter: $filter, orderBy: NAME_ASC) {
    totalCount
    edges {
      cursor
      node {
        id
        name
        ceo
        businessType
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:f0aed8d5d0cc8d40d1d6822ee7d0efbaf1dceb4b8d402dfa6d47cfadb27316ea"}) as unknown as TypedDocumentString<CompanyListQuery, CompanyListQueryVariables>;
export const CompanyDetailDocument = new TypedDocumentString(`
    query CompanyDetail($id: ID!) {
  company(id: $id) {
    id
    name
    ceo
    businessType
    createdAt
    updatedAt
    finances {
      id
      year
      q1Earnings
      q2Earnings
      q3Earnings
      q4Earnings
      totalEarnings
    }
  }
}
    `, {"hash":"sha256:d650e710ab4d6e2ffe5037b8d9b2e54af1ee5c881645204c91374ef5ec55afe4"}) as unknown as TypedDocumentString<CompanyDetailQuery, CompanyDetailQueryVariables>;
export const CreateCompanyWithFinancesDocument = new TypedDocumentString(`
    mutation CreateCompanyWithFinances($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    id
    name
  }
}
    `, {"hash":"sha256:59d099ca70937b4b8a733b866f020e1b1b8deca830dc5289bcd33050431c373c"}) as unknown as TypedDocumentString<CreateCompanyWithFinancesMutation, CreateCompanyWithFinancesMutationVariables>;
export const FileListDocument = new TypedDocumentString(`
    query FileList($first: Int!, $after: String, $filter: FileFilter) {
  files(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      cursor
      node {
        id
        createdAt
        host
        runDir
        fullName
        fileName
        fileType
        fileSize
        queueItem {
          id
          status
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:6f8b14a4ce46c4e9ef46e6f409c654349536bf7091ed9716b72dd7b6e7b1fe54"}) as unknown as TypedDocumentString<FileListQuery, FileListQueryVariables>;
export const RunChangedDocument = new TypedDocumentString(`
    subscription RunChanged($id: ID!) {
  queueItemChanged(id: $id) {
    kind
    id
    item {
      ...RunFields
      files(first: 500) {
        id
        fullName
        fileName
        fileType
        fileSize
        createdAt
      }
    }
  }
}
    fragment RunFields on QueueItem {
  id
  createdAt
  timeToLive
  runDir
  owner
  site
  host
  runTag
  userTag
  status
  attempts
  startedAt
  finishedAt
  lastError
  summary {
    tests
    failures
    errors
    skipped
    durationSeconds
  }
}`, {"hash":"sha256:1902df232189f919c219293ec4201b4c0660ad602684088edc20133cda1c577d"}) as unknown as TypedDocumentString<RunChangedSubscription, RunChangedSubscriptionVariables>;
export const QueueChangedDocument = new TypedDocumentString(`
    subscription QueueChanged {
  queueChanged {
    kind
    id
    item {
      ...RunFields
    }
  }
}
    fragment RunFields on QueueItem {
  id
  createdAt
  timeToLive
  runDir
  owner
  site
  host
  runTag
  userTag
  status
  attempts
  startedAt
  finishedAt
  lastError
  summary {
    tests
    failures
    errors
    skipped
    durationSeconds
  }
}`, {"hash":"sha256:50574ba8dde1c033e15f08be3764f015c4055484086e7abeb10ec96c067b6181"}) as unknown as TypedDocumentString<QueueChangedSubscription, QueueChangedSubscriptionVariables>;
export const CompaniesChangedDocument = new TypedDocumentString(`
    subscription CompaniesChanged {
  companiesChanged {
    kind
    id
  }
}
    `, {"hash":"sha256:f9e4232de5e1805b8567697ed94416a49b4a48756cd88f89f526a1e67ef8d8d0"}) as unknown as TypedDocumentString<CompaniesChangedSubscription, CompaniesChangedSubscriptionVariables>;
export const RunListDocument = new TypedDocumentString(`
    query RunList($first: Int!, $after: String, $filter: QueueFilter) {
  queue(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      cursor
      node {
        ...RunFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment RunFields on QueueItem {
  id
  createdAt
  timeToLive
  runDir
  owner
  site
  host
  runTag
  userTag
  status
  attempts
  startedAt
  finishedAt
  lastError
  summary {
    tests
    failures
    errors
    skipped
    durationSeconds
  }
}`, {"hash":"sha256:7b666dd39879bcaaf741ca90129d1b413f7a122a3a4faceede1899729abacd09"}) as unknown as TypedDocumentString<RunListQuery, RunListQueryVariables>;
export const RunDetailDocument = new TypedDocumentString(`
    query RunDetail($id: ID!) {
  queueItem(id: $id) {
    ...RunFields
    files(first: 500) {
      id
      fullName
      fileName
      fileType
      fileSize
      createdAt
    }
  }
}
    fragment RunFields on QueueItem {
  id
  createdAt
  timeToLive
  runDir
  owner
  site
  host
  runTag
  userTag
  status
  attempts
  startedAt
  finishedAt
  lastError
  summary {
    tests
    failures
    errors
    skipped
    durationSeconds
  }
}`, {"hash":"sha256:25529782de988b7b8c9aa61e9a2fc5b2d27567a45ecabb1871ebbbb4d2a4fa75"}) as unknown as TypedDocumentString<RunDetailQuery, RunDetailQueryVariables>;
export const EnqueueRunDocument = new TypedDocumentString(`
    mutation EnqueueRun($run: EnqueueRunInput!) {
  enqueueRuns(runs: [$run]) {
    id
    status
    runDir
  }
}
    `, {"hash":"sha256:07c21fb87781e58d17e4fdc0c98bf9c85d4492cc096f387c766011b36e8d04c8"}) as unknown as TypedDocumentString<EnqueueRunMutation, EnqueueRunMutationVariables>;
export const CancelRunDocument = new TypedDocumentString(`
    mutation CancelRun($id: ID!) {
  cancelQueueItem(id: $id) {
    id
    status
  }
}
    `, {"hash":"sha256:a181d0d77800101b2bcdaff0aae97453434059d77199bf832eb963d8d28ba1a6"}) as unknown as TypedDocumentString<CancelRunMutation, CancelRunMutationVariables>;
export const PurgeQueueDocument = new TypedDocumentString(`
    mutation PurgeQueue($timeToLiveAfter: DateTime!) {
  purgeQueue(timeToLiveAfter: $timeToLiveAfter)
}
    `, {"hash":"sha256:987448c76ec648803131635812d46c45f372823e3875b6d1ed24abc079fa0317"}) as unknown as TypedDocumentString<PurgeQueueMutation, PurgeQueueMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    username
    role
  }
}
    `, {"hash":"sha256:010cbcdbac582c3f8e5811c58e0bf6c782b732b8c51a17be590ab8931285e86e"}) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;