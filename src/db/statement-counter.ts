import { DataSource, type EntityManager, type QueryRunner } from "typeorm";

/**
 * The scope of one unit of work (an HTTP request, the live-update feed, a test
 * step): counts the SQL statements issued inside it and carries its request id.
 */
export interface RequestScope {
  statements: number;
  requestId?: string;
}

/**
 * Scoped DataSource views, and the query runners they made, to their scope. A
 * WeakMap: nothing here outlives the request.
 */
const scopes = new WeakMap<object, RequestScope>();

function scopedCreateQueryRunner(this: DataSource, mode?: "master" | "slave"): QueryRunner {
  const queryRunner = DataSource.prototype.createQueryRunner.call(this, mode);
  const scope = scopes.get(this);
  if (scope) scopes.set(queryRunner, scope);
  return queryRunner;
}

/**
 * A view of `dataSource` for one unit of work: everything run through it (its
 * `manager`, entity managers, repositories, query builders and transactions made
 * from it, `query()`) counts into `scope`.
 *
 * The scope travels with the EntityManager a request already passes around, so
 * no AsyncLocalStorage is needed. On Node 20, AsyncLocalStorage installs promise
 * hooks for the whole process as soon as it is used once, which cost about a
 * tenth of the server's CPU on a `company(id)` request (measured).
 *
 * The view is the DataSource itself as a prototype: TypeORM reaches every query
 * runner through `dataSource.createQueryRunner()` (EntityManager, QueryBuilder,
 * persistence, transactions), and only that method and `manager` are the view's
 * own. Nothing is copied; metadata, driver and pool are the DataSource's.
 */
export function scopedDataSource(dataSource: DataSource, scope: RequestScope): DataSource {
  const view = Object.create(dataSource) as DataSource & { manager: EntityManager };
  view.createQueryRunner = scopedCreateQueryRunner;
  scopes.set(view, scope);
  view.manager = view.createEntityManager();
  return view;
}

/** The scope of a scoped view's EntityManager (or of one of its transactions), if any. */
export function scopeOf(em: EntityManager | undefined): RequestScope | undefined {
  return em ? scopes.get(em.dataSource) : undefined;
}

/**
 * Counts one statement for the scope of `owner`: the query runner that ran it
 * (TypeORM's logger is told which), or the scoped DataSource view a statement
 * ran on without one (prepared statements on the pool).
 */
export function countStatement(owner: QueryRunner | DataSource | undefined): void {
  const scope = owner ? scopes.get(owner) : undefined;
  if (scope) scope.statements += 1;
}
