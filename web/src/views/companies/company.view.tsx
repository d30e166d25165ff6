import { useLiveQuery } from "../../api/live";
import { EmptyState, ErrorState, Loading, NotFoundPage } from "../../components/states";
import { CompaniesChangedDocument, CompanyDetailDocument } from "../../generated/graphql";
import { formatDateTime, formatMoney } from "../../format";
import { Link } from "../../router";
import { EarningsChart } from "./earnings-chart";

/** One company: its details, a chart of quarterly earnings per year, and the same numbers as a table. */
export function CompanyView({ id }: { id: string }) {
  // Changes made elsewhere (another tab, the command line, an import) show up without a reload.
  const { data, error, loading, refetch } = useLiveQuery(
    CompanyDetailDocument,
    { id },
    {
      subscription: CompaniesChangedDocument,
      subscriptionVariables: {},
      apply: (current, event) => (event.companiesChanged.id !== id ? current : event.companiesChanged.kind === "DELETED" ? { ...current, company: null } : "refetch"),
    },
  );
  if (error) return <ErrorState error={error} onRetry={refetch} />;
  if (loading || !data) return <Loading label="the company" />;
  const company = data.company;
  if (!company) {
    return <NotFoundPage title="Company not found" message={`There is no company with id ${id}.`} back={<Link to="/companies">Back to the companies</Link>} />;
  }
  return (
    <section aria-labelledby="company-title">
      <p className="breadcrumb">
        <Link to="/companies">Companies</Link> /
      </p>
      <h1 id="company-title">{company.name}</h1>
      <dl className="facts">
        <div>
          <dt>CEO</dt>
          <dd>{company.ceo ?? "—"}</dd>
        </div>
        <div>
          <dt>Business type</dt>
          <dd>{company.businessType ?? "—"}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatDateTime(company.updatedAt)}</dd>
        </div>
      </dl>
      <h2>Earnings</h2>
      {company.finances.length === 0 ? (
        <EmptyState title="No finance rows for this company yet." />
      ) : (
        <>
          <EarningsChart companyName={company.name} finances={company.finances} />
          <div className="table-wrap">
            <table className="numbers">
              <caption>Quarterly earnings of {company.name}, newest year first</caption>
              <thead>
                <tr>
                  <th scope="col">Year</th>
                  <th scope="col">Q1</th>
                  <th scope="col">Q2</th>
                  <th scope="col">Q3</th>
                  <th scope="col">Q4</th>
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {company.finances.map((f) => (
                  <tr key={f.id}>
                    <th scope="row">{f.year}</th>
                    <td>{formatMoney(f.q1Earnings)}</td>
                    <td>{formatMoney(f.q2Earnings)}</td>
                    <td>{formatMoney(f.q3Earnings)}</td>
                    <td>{formatMoney(f.q4Earnings)}</td>
                    <td>{formatMoney(f.totalEarnings)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
