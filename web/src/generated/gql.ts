/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CompanyList($first: Int!, $after: String, $filter: CompanyFilter) {\n  companies(first: $first, after: $after, filter: $filter, orderBy: NAME_ASC) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        ceo\n        businessType\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CompanyDetail($id: ID!) {\n  company(id: $id) {\n    id\n    name\n    ceo\n    businessType\n    createdAt\n    updatedAt\n    finances {\n      id\n      year\n      q1Earnings\n      q2Earnings\n      q3Earnings\n      q4Earnings\n      totalEarnings\n    }\n  }\n}\n\nmutation CreateCompanyWithFinances($input: CreateCompanyInput!) {\n  createCompany(input: $input) {\n    id\n    name\n  }\n}": typeof types.CompanyListDocument,
    "query FileList($first: Int!, $after: String, $filter: FileFilter) {\n  files(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        host\n        runDir\n        fullName\n        fileName\n        fileType\n        fileSize\n        queueItem {\n          id\n          status\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.FileListDocument,
    "subscription RunChanged($id: ID!) {\n  queueItemChanged(id: $id) {\n    kind\n    id\n    item {\n      ...RunFields\n      files(first: 500) {\n        id\n        fullName\n        fileName\n        fileType\n        fileSize\n        createdAt\n      }\n    }\n  }\n}\n\nsubscription QueueChanged {\n  queueChanged {\n    kind\n    id\n    item {\n      ...RunFields\n    }\n  }\n}\n\nsubscription CompaniesChanged {\n  companiesChanged {\n    kind\n    id\n  }\n}": typeof types.RunChangedDocument,
    "fragment RunFields on QueueItem {\n  id\n  createdAt\n  timeToLive\n  runDir\n  owner\n  site\n  host\n  runTag\n  userTag\n  status\n  attempts\n  startedAt\n  finishedAt\n  lastError\n  summary {\n    tests\n    failures\n    errors\n    skipped\n    durationSeconds\n  }\n}\n\nquery RunList($first: Int!, $after: String, $filter: QueueFilter) {\n  queue(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...RunFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery RunDetail($id: ID!) {\n  queueItem(id: $id) {\n    ...RunFields\n    files(first: 500) {\n      id\n      fullName\n      fileName\n      fileType\n      fileSize\n      createdAt\n    }\n  }\n}\n\nmutation EnqueueRun($run: EnqueueRunInput!) {\n  enqueueRuns(runs: [$run]) {\n    id\n    status\n    runDir\n  }\n}\n\nmutation CancelRun($id: ID!) {\n  cancelQueueItem(id: $id) {\n    id\n    status\n  }\n}\n\nmutation PurgeQueue($timeToLiveAfter: DateTime!) {\n  purgeQueue(timeToLiveAfter: $timeToLiveAfter)\n}": typeof types.RunFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    username\n    role\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "query CompanyList($first: Int!, $after: String, $filter: CompanyFilter) {\n  companies(first: $first, after: $after, filter: $filter, orderBy: NAME_ASC) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        ceo\n        businessType\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CompanyDetail($id: ID!) {\n  company(id: $id) {\n    id\n    name\n    ceo\n    businessType\n    createdAt\n    updatedAt\n    finances {\n      id\n      year\n      q1Earnings\n      q2Earnings\n      q3Earnings\n      q4Earnings\n      totalEarnings\n    }\n  }\n}\n\nmutation CreateCompanyWithFinances($input: CreateCompanyInput!) {\n  createCompany(input: $input) {\n    id\n    name\n  }\n}": types.CompanyListDocument,
    "query FileList($first: Int!, $after: String, $filter: FileFilter) {\n  files(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        host\n        runDir\n        fullName\n        fileName\n        fileType\n        fileSize\n        queueItem {\n          id\n          status\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.FileListDocument,
    "subscription RunChanged($id: ID!) {\n  queueItemChanged(id: $id) {\n    kind\n    id\n    item {\n      ...RunFields\n      files(first: 500) {\n        id\n        fullName\n        fileName\n        fileType\n        fileSize\n        createdAt\n      }\n    }\n  }\n}\n\nsubscription QueueChanged {\n  queueChanged {\n    kind\n    id\n    item {\n      ...RunFields\n    }\n  }\n}\n\nsubscription CompaniesChanged {\n  companiesChanged {\n    kind\n    id\n  }\n}": types.RunChangedDocument,
    "fragment RunFields on QueueItem {\n  id\n  createdAt\n  timeToLive\n  runDir\n  owner\n  site\n  host\n  runTag\n  userTag\n  status\n  attempts\n  startedAt\n  finishedAt\n  lastError\n  summary {\n    tests\n    failures\n    errors\n    skipped\n    durationSeconds\n  }\n}\n\nquery RunList($first: Int!, $after: String, $filter: QueueFilter) {\n  queue(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...RunFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery RunDetail($id: ID!) {\n  queueItem(id: $id) {\n    ...RunFields\n    files(first: 500) {\n      id\n      fullName\n      fileName\n      fileType\n      fileSize\n      createdAt\n    }\n  }\n}\n\nmutation EnqueueRun($run: EnqueueRunInput!) {\n  enqueueRuns(runs: [$run]) {\n    id\n    status\n    runDir\n  }\n}\n\nmutation CancelRun($id: ID!) {\n  cancelQueueItem(id: $id) {\n    id\n    status\n  }\n}\n\nmutation PurgeQueue($timeToLiveAfter: DateTime!) {\n  purgeQueue(timeToLiveAfter: $timeToLiveAfter)\n}": types.RunFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    username\n    role\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CompanyList($first: Int!, $after: String, $filter: CompanyFilter) {\n  companies(first: $first, after: $after, filter: $filter, orderBy: NAME_ASC) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        ceo\n        businessType\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CompanyDetail($id: ID!) {\n  company(id: $id) {\n    id\n    name\n    ceo\n    businessType\n    createdAt\n    updatedAt\n    finances {\n      id\n      year\n      q1Earnings\n      q2Earnings\n      q3Earnings\n      q4Earnings\n      totalEarnings\n    }\n  }\n}\n\nmutation CreateCompanyWithFinances($input: CreateCompanyInput!) {\n  createCompany(input: $input) {\n    id\n    name\n  }\n}"): typeof import('./graphql').CompanyListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query FileList($first: Int!, $after: String, $filter: FileFilter) {\n  files(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        host\n        runDir\n        fullName\n        fileName\n        fileType\n        fileSize\n        queueItem {\n          id\n          status\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').FileListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription RunChanged($id: ID!) {\n  queueItemChanged(id: $id) {\n    kind\n    id\n    item {\n      ...RunFields\n      files(first: 500) {\n        id\n        fullName\n        fileName\n        fileType\n        fileSize\n        createdAt\n      }\n    }\n  }\n}\n\nsubscription QueueChanged {\n  queueChanged {\n    kind\n    id\n    item {\n      ...RunFields\n    }\n  }\n}\n\nsubscription CompaniesChanged {\n  companiesChanged {\n    kind\n    id\n  }\n}"): typeof import('./graphql').RunChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment RunFields on QueueItem {\n  id\n  createdAt\n  timeToLive\n  runDir\n  owner\n  site\n  host\n  runTag\n  userTag\n  status\n  attempts\n  startedAt\n  finishedAt\n  lastError\n  summary {\n    tests\n    failures\n    errors\n    skipped\n    durationSeconds\n  }\n}\n\nquery RunList($first: Int!, $after: String, $filter: QueueFilter) {\n  queue(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...RunFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery RunDetail($id: ID!) {\n  queueItem(id: $id) {\n    ...RunFields\n    files(first: 500) {\n      id\n      fullName\n      fileName\n      fileType\n      fileSize\n      createdAt\n    }\n  }\n}\n\nmutation EnqueueRun($run: EnqueueRunInput!) {\n  enqueueRuns(runs: [$run]) {\n    id\n    status\n    runDir\n  }\n}\n\nmutation CancelRun($id: ID!) {\n  cancelQueueItem(id: $id) {\n    id\n    status\n  }\n}\n\nmutation PurgeQueue($timeToLiveAfter: DateTime!) {\n  purgeQueue(timeToLiveAfter: $timeToLiveAfter)\n}"): typeof import('./graphql').RunFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    username\n    role\n  }\n}"): typeof import('./graphql').MeDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
