import { useEffect, useId, useState } from "react";
import { useLiveQuery } from "../../api/live";
import { canWrite, useSession } from "../../auth/session";
import { Pager, useCursorPager } from "../../components/pager";
import { EmptyState, ErrorState, Loading } from "../../components/states";
import { CompaniesChangedDocument, CompanyListDocument } from "../../generated/graphql";
import { Link } from "../../router";
import { EarningsByTypeChart } from "./earnings-by-type-chart";

export const COMPANY_PAGE_SIZE = 20;
/** Long enough to skip the keystrokes of a typed word, short enough to feel live. */
const SEARCH_DEBOUNCE_MS = 250;

/** Companies by name, searched with the contract's `nameContains` filter, 20 per page. */
export function CompaniesView() {
  const { me } = useSession();
  const [input, setInput] = useState("");
  const [search, setSearch] = useState("");
  const searchId = useId();
  useEffect(() => {
    const timer = setTimeout(() => setSearch(input.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [input]);
  const pager = useCursorPager(search);
  // Any company change made elsewhere may move this page (names sort it): it is fetched again, once per burst.
  const { data, error, loading, refetch } = useLiveQuery(
    CompanyListDocument,
    { first: COMPANY_PAGE_SIZE, after: pager.after, filter: search ? { nameContains: search } : null },
    { subscription: CompaniesChangedDocument, subscriptionVariables: {}, apply: () => "refetch" },
  );

  return (
    <section aria-labelledby="companies-title">
      <div className="title-row">
        <h1 id="companies-title">Companies</h1>
        {canWrite(me.role) && (
          <Link to="/companies/new" className="button">
            New company
          </Link>
        )}
      </div>
      <form
        role="search"
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(input.trim());
        }}
      >
        <div className="field">
          <label htmlFor={searchId}>Search by name</label>
          <input id={searchId} type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="e.g. Stark" />
        </div>
      </form>
      {error ? (
        <ErrorState error={error} onRetry={refetch} />
      ) : loading || !data ? (
        <Loading label="companies" />
      ) : data.companies.edges.length === 0 ? (
        <EmptyState title={search ? `No company name contains “${search}”.` : "There are no companies yet."}>
          {canWrite(me.role) && !search && <Link to="/companies/new">Create the first one</Link>}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Companies{search ? ` whose name contains “${search}”` : ""}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">CEO</th>
                  <th scope="col">Business type</th>
                </tr>
              </thead>
              <tbody>
                {data.companies.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <th scope="row">
                      <Link to={`/companies/${node.id}`}>{node.name}</Link>
                    </th>
                    <td>{node.ceo ?? "—"}</td>
                    <td>{node.businessType ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={pager.page}
            hasNextPage={data.companies.pageInfo.hasNextPage}
            totalCount={data.companies.totalCount}
            noun={["company", "companies"]}
            onNext={() => pager.next(data.companies.pageInfo.endCursor)}
            onPrevious={pager.previous}
          />
        </>
      )}
      <h2>Earnings by business type</h2>
      <EarningsByTypeChart />
    </section>
  );
}
