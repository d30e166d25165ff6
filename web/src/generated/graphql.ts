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
    `) as unknown as TypedDocumentString<CompanyListQuery, CompanyListQueryVariables>;
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
    `) as unknown as TypedDocumentString<CompanyDetailQuery, CompanyDetailQueryVariables>;
export const CreateCompanyWithFinancesDocument = new TypedDocumentString(`
    mutation CreateCompanyWithFinances($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CreateCompanyWithFinancesMutation, CreateCompanyWithFinancesMutationVariables>;
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
    `) as unknown as TypedDocumentString<FileListQuery, FileListQueryVariables>;
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
}`) as unknown as TypedDocumentString<RunChangedSubscription, RunChangedSubscriptionVariables>;
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
}`) as unknown as TypedDocumentString<QueueChangedSubscription, QueueChangedSubscriptionVariables>;
export const CompaniesChangedDocument = new TypedDocumentString(`
    subscription CompaniesChanged {
  companiesChanged {
    kind
    id
  }
}
    `) as unknown as TypedDocumentString<CompaniesChangedSubscription, CompaniesChangedSubscriptionVariables>;
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
}`) as unknown as TypedDocumentString<RunListQuery, RunListQueryVariables>;
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
}`) as unknown as TypedDocumentString<RunDetailQuery, RunDetailQueryVariables>;
export const EnqueueRunDocument = new TypedDocumentString(`
    mutation EnqueueRun($run: EnqueueRunInput!) {
  enqueueRuns(runs: [$run]) {
    id
    status
    runDir
  }
}
    `) as unknown as TypedDocumentString<EnqueueRunMutation, EnqueueRunMutationVariables>;
export const CancelRunDocument = new TypedDocumentString(`
    mutation CancelRun($id: ID!) {
  cancelQueueItem(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelRunMutation, CancelRunMutationVariables>;
export const PurgeQueueDocument = new TypedDocumentString(`
    mutation PurgeQueue($timeToLiveAfter: DateTime!) {
  purgeQueue(timeToLiveAfter: $timeToLiveAfter)
}
    `) as unknown as TypedDocumentString<PurgeQueueMutation, PurgeQueueMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    username
    role
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;