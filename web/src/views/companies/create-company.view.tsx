import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { useMutation } from "../../api/hooks";
import { canWrite, useSession } from "../../auth/session";
import { ErrorSummary, Field, fieldId } from "../../components/field";
import { EmptyState } from "../../components/states";
import { optionalText, parseAmount, splitErrors } from "../../forms";
import { CreateCompanyWithFinancesDocument, type FinanceInput } from "../../generated/graphql";
import { Link, useRouter } from "../../router";

const QUARTERS = ["q1Earnings", "q2Earnings", "q3Earnings", "q4Earnings"] as const;
type Quarter = (typeof QUARTERS)[number];

interface FinanceRow extends Record<Quarter, string> {
  /** React key: rows can be removed from the middle. */
  key: number;
  year: string;
}

const LABELS: Record<string, string> = { name: "Name", ceo: "CEO", businessType: "Business type", year: "Year" };

function labelOf(path: string): string {
  const row = /^finances\[(\d+)\]\.(\w+)$/.exec(path);
  if (row) {
    const field = row[2].startsWith("q") ? `Q${row[2][1]} earnings` : (LABELS[row[2]] ?? row[2]);
    return `Year row ${Number(row[1]) + 1}, ${field}`;
  }
  return LABELS[path] ?? path;
}

/** Checks that need no server; the server checks everything again and its answers land on the same fields. */
function checkLocally(name: string, rows: FinanceRow[]): { fieldErrors: Record<string, string>; finances: FinanceInput[] } {
  const fieldErrors: Record<string, string> = {};
  if (!name.trim()) fieldErrors.name = "Enter the company's name.";
  const finances = rows.map((row, i) => {
    const year = Number(row.year.trim());
    if (!row.year.trim() || !Number.isInteger(year)) fieldErrors[`finances[${i}].year`] = "Enter a year such as 2024.";
    const finance: FinanceInput = { year };
    for (const q of QUARTERS) {
      const amount = parseAmount(row[q]);
      if (Number.isNaN(amount)) fieldErrors[`finances[${i}].${q}`] = "Enter a number, or leave it empty.";
      finance[q] = amount;
    }
    return finance;
  });
  return { fieldErrors, finances };
}

/** Creates a company with its finance rows in one createCompany mutation (all or nothing on the server). */
export function CreateCompanyView() {
  const { me } = useSession();
  const { navigate } = useRouter();
  const [create, { running }] = useMutation(CreateCompanyWithFinancesDocument);
  const [name, setName] = useState("");
  const [ceo, setCeo] = useState("");
  const [businessType, setBusinessType] = useState("");
  const nextKey = useRef(1);
  const [rows, setRows] = useState<FinanceRow[]>(() => [
    { key: 0, year: String(new Date().getFullYear() - 1), q1Earnings: "", q2Earnings: "", q3Earnings: "", q4Earnings: "" },
  ]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const summary = useRef<HTMLDivElement>(null);

  if (!canWrite(me.role)) {
    return (
      <section>
        <h1>New company</h1>
        <EmptyState title={`Your role (${me.role}) can read companies but not create them.`}>
          <Link to="/companies">Back to the companies</Link>
        </EmptyState>
      </section>
    );
  }

  const updateRow = (index: number, change: Partial<FinanceRow>) =>
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const addRow = () => {
    const years = rows.map((r) => Number(r.year)).filter(Number.isInteger);
    const year = years.length ? Math.max(...years) + 1 : new Date().getFullYear() - 1;
    setRows((current) => [...current, { key: nextKey.current++, year: String(year), q1Earnings: "", q2Earnings: "", q3Earnings: "", q4Earnings: "" }]);
  };
  const removeRow = (index: number) => {
    setRows((current) => current.filter((_, i) => i !== index));
    // Row-indexed messages would point at the wrong rows after a removal.
    setFieldErrors((current) => Object.fromEntries(Object.entries(current).filter(([path]) => !path.startsWith("finances["))));
  };

  const showErrors = (fields: Record<string, string>, form: string[]) => {
    setFieldErrors(fields);
    setFormErrors(form);
    // Focus the first invalid input (the summary when only form-level errors exist), as a keyboard user expects.
    requestAnimationFrame(() => {
      const first = Object.keys(fields)[0];
      const target = first ? document.getElementById(fieldId(first)) : summary.current?.querySelector<HTMLElement>("[role=alert]");
      target?.focus();
    });
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const local = checkLocally(name, rows);
    if (Object.keys(local.fieldErrors).length > 0) return showErrors(local.fieldErrors, []);
    try {
      const { createCompany } = await create({
        input: { name: name.trim(), ceo: optionalText(ceo), businessType: optionalText(businessType), finances: local.finances },
      });
      navigate(`/companies/${createCompany.id}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const split = splitErrors(error);
      showErrors(split.fieldErrors, split.formErrors);
    }
  };

  return (
    <section aria-labelledby="new-company-title">
      <p className="breadcrumb">
        <Link to="/companies">Companies</Link> /
      </p>
      <h1 id="new-company-title">New company</h1>
      <div ref={summary}>
        <ErrorSummary fieldErrors={fieldErrors} formErrors={formErrors} labelOf={labelOf} />
      </div>
      <form onSubmit={onSubmit} noValidate className="stack">
        <Field path="name" label="Name" required value={name} onChange={(e) => setName(e.target.value)} error={fieldErrors.name} maxLength={140} />
        <div className="row">
          <Field path="ceo" label="CEO" value={ceo} onChange={(e) => setCeo(e.target.value)} error={fieldErrors.ceo} />
          <Field
            path="businessType"
            label="Business type"
            value={businessType}
            onChange={(e) => setBusinessType(e.target.value)}
            error={fieldErrors.businessType}
          />
        </div>
        <h2>Finances</h2>
        <p className="hint">One row per year; leave a quarter empty when there is no figure for it.</p>
        {rows.map((row, i) => (
          <fieldset key={row.key} className="finance-row">
            <legend>Year row {i + 1}</legend>
            <Field
              path={`finances[${i}].year`}
              label="Year"
              inputMode="numeric"
              required
              value={row.year}
              onChange={(e) => updateRow(i, { year: e.target.value })}
              error={fieldErrors[`finances[${i}].year`]}
            />
            {QUARTERS.map((q, qi) => (
              <Field
                key={q}
                path={`finances[${i}].${q}`}
                label={`Q${qi + 1}`}
                inputMode="decimal"
                value={row[q]}
                onChange={(e) => updateRow(i, { [q]: e.target.value })}
                error={fieldErrors[`finances[${i}].${q}`]}
              />
            ))}
            <button type="button" className="secondary remove" onClick={() => removeRow(i)} aria-label={`Remove year row ${i + 1}`}>
              Remove
            </button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" onClick={addRow}>
            Add a year
          </button>
        </div>
        <div className="actions">
          <button type="submit" disabled={running}>
            {running ? "Creating…" : "Create company"}
          </button>
          <Link to="/companies">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
