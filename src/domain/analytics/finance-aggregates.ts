import type { EntityManager } from "typeorm";
import { InvalidInputError } from "../shared/errors";
import { parseId } from "../shared/id";
import { filterText, MAX_GROUPS_PLUS_ONE, num, orderTerm, runAggregate, uniqueGroupBy } from "./analytics.shared";

const FINANCE_KEYS = {
  YEAR: { column: "f.year", name: "year", text: false },
  BUSINESS_TYPE: { column: "c.business_type", name: "businessType", text: true },
  COMPANY: { column: "f.company_id", name: "companyId", text: false },
} as const;
export type FinanceGroupBy = keyof typeof FINANCE_KEYS;

export interface FinanceAggregateFilter {
  /** Years from this one on. */
  fromYear?: number | null;
  /** Years up to this one, included. */
  toYear?: number | null;
  /** Exact match on the company's business type. */
  businessType?: string | null;
  /** Only these companies (ids as GraphQL IDs or numbers); an empty list selects nothing. */
  companyIds?: readonly (string | number)[] | null;
}

export interface FinanceAggregatesProps {
  /** Keys of a group, in the order groups are sorted by. Empty: one group over every row selected. */
  groupBy?: readonly FinanceGroupBy[] | null;
  filter?: FinanceAggregateFilter | null;
  /**
   * The figures to compute, as "sum.total", "avg.q1"...; the others come back null.
   * Absent: all 20. Each is a numeric aggregate over every row: at 800,000 rows
   * the 20 cost ~6x what the one a chart shows does (bench, analytics phase).
   */
  figures?: readonly string[] | null;
}

/** One figure (sum, avg, min or max) of each quarter and of the yearly total; null when all values are null. */
export interface QuarterFigures {
  q1: number | null;
  q2: number | null;
  q3: number | null;
  q4: number | null;
  total: number | null;
}

export interface FinanceAggregate {
  year: number | null;
  businessType: string | null;
  /** Set when grouped by COMPANY; GraphQL resolves the company from it in one batch. */
  companyId: number | null;
  /** Finance rows in the group. */
  count: number;
  /** Distinct companies in the group. */
  companies: number;
  sum: QuarterFigures;
  avg: QuarterFigures;
  min: QuarterFigures;
  max: QuarterFigures;
}

const FIGURES = ["sum", "avg", "min", "max"] as const;
const COLUMNS = { q1: "q1_earnings", q2: "q2_earnings", q3: "q3_earnings", q4: "q4_earnings", total: "total_earnings" } as const;
type Part = keyof typeof COLUMNS;

type FinanceAggregateRow = { year?: number; businessType?: string | null; companyId?: number; count: number; companies: number } & Record<
  string,
  string | number | null
>;

function year(value: number | null | undefined, field: string): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value)) throw new InvalidInputError(`${field} must be an integer`, field);
  return value;
}

/**
 * Finance rows grouped by year, business type and/or company, in one SQL
 * statement. SQL's aggregates skip nulls, which is the contract's rule: a null
 * quarter is left out, and a figure over only nulls is null. `total` aggregates
 * the stored yearly total (the sum of the non-null quarters, null when all four are).
 * Numeric arithmetic is exact in PostgreSQL; the results become JS numbers.
 */
export async function financeAggregates(em: EntityManager, props: FinanceAggregatesProps): Promise<FinanceAggregate[]> {
  const keys = uniqueGroupBy(props.groupBy, FINANCE_KEYS);
  const filter = props.filter ?? {};
  const fromYear = year(filter.fromYear, "filter.fromYear");
  const toYear = year(filter.toYear, "filter.toYear");
  if (fromYear !== null && toYear !== null && fromYear > toYear) {
    throw new InvalidInputError(`filter.fromYear (${fromYear}) is after filter.toYear (${toYear})`, "filter.fromYear");
  }
  const businessType = filterText(filter.businessType, "filter.businessType");
  const companyIds = filter.companyIds == null ? null : filter.companyIds.map((id, i) => parseId(id, `filter.companyIds[${i}]`));

  // The rollup analytics_finance_group (year, business_type), kept current by triggers on
  // finance and company in the writing transaction, answers any grouping by YEAR and/or
  // BUSINESS_TYPE that includes YEAR (a company has one row per year, so companies =
  // rows) with year and business-type filters. COMPANY, a company filter, or no YEAR
  // (companies would need count(DISTINCT company_id)) read the base tables.
  const rollup = !keys.includes("COMPANY") && companyIds === null && keys.includes("YEAR");
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace("?", `$${values.length}`));
  };
  if (fromYear !== null) add("f.year >= ?::int", fromYear);
  if (toYear !== null) add("f.year <= ?::int", toYear);
  if (businessType !== null) add(`${rollup ? "f" : "c"}.business_type = ?::text`, businessType);
  if (companyIds !== null) add("f.company_id = ANY(?::int[])", companyIds);
  const joinCompany = !rollup && (keys.includes("BUSINESS_TYPE") || businessType !== null);

  // A company has one row per year: grouped by YEAR (or COMPANY) the distinct count
  // needs no count(DISTINCT), which sorts every row of the group.
  const count = rollup ? "sum(f.rows)::int" : "count(*)::int";
  const companies = keys.includes("COMPANY") ? "1" : keys.includes("YEAR") ? count : "count(DISTINCT f.company_id)::int";
  const wanted = props.figures == null ? null : new Set(props.figures);
  // From the rollup: a figure over no values is null, as SQL's aggregates give; avg is the
  // numeric sum over the count, as avg(numeric) divides.
  const rolledUp = (figure: (typeof FIGURES)[number], part: Part): string => {
    const some = `sum(f.n_${part}) > 0`;
    if (figure === "sum") return `CASE WHEN ${some} THEN sum(f.sum_${part}) END`;
    if (figure === "avg") return `CASE WHEN ${some} THEN sum(f.sum_${part}) / sum(f.n_${part}) END`;
    return `${figure}(f.${figure}_${part})`;
  };
  const figures = FIGURES.flatMap((figure) =>
    (Object.keys(COLUMNS) as Part[]).map((part) =>
      wanted === null || wanted.has(`${figure}.${part}`)
        ? `(${rollup ? rolledUp(figure, part) : `${figure}(f.${COLUMNS[part]})`})::text AS "${figure}_${part}"`
        : `NULL AS "${figure}_${part}"`,
    ),
  );
  const column = (key: FinanceGroupBy) => (rollup && key === "BUSINESS_TYPE" ? "f.business_type" : FINANCE_KEYS[key].column);
  const groupColumns = keys.map((key) => `${column(key)} AS "${FINANCE_KEYS[key].name}"`);
  const orderBy = keys.map((key) => orderTerm(column(key), FINANCE_KEYS[key].text));
  const sql = `
    SELECT ${groupColumns.map((c) => `${c}, `).join("")}
           ${count} AS count,
           ${companies} AS companies,
           ${figures.join(",\n           ")}
      FROM ${rollup ? "analytics_finance_group f" : `finance f${joinCompany ? " JOIN company c ON c.id = f.company_id" : ""}`}
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ${groupColumns.length > 0 ? `GROUP BY ${groupColumns.map((_, i) => i + 1).join(", ")}` : ""}
     HAVING ${rollup ? "sum(f.rows) > 0" : "count(*) > 0"}
      ${orderBy.length > 0 ? `ORDER BY ${orderBy.join(", ")}` : ""}
     LIMIT ${MAX_GROUPS_PLUS_ONE}`;
  const rows = await runAggregate<FinanceAggregateRow>(em, sql, values);
  const quarterFigures = (row: FinanceAggregateRow, figure: (typeof FIGURES)[number]): QuarterFigures => ({
    q1: num(row[`${figure}_q1`]),
    q2: num(row[`${figure}_q2`]),
    q3: num(row[`${figure}_q3`]),
    q4: num(row[`${figure}_q4`]),
    total: num(row[`${figure}_total`]),
  });
  return rows.map((row) => ({
    year: row.year ?? null,
    businessType: row.businessType ?? null,
    companyId: row.companyId ?? null,
    count: row.count,
    companies: Number(row.companies),
    sum: quarterFigures(row, "sum"),
    avg: quarterFigures(row, "avg"),
    min: quarterFigures(row, "min"),
    max: quarterFigures(row, "max"),
  }));
}
