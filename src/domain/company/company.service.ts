import type { EntityManager } from "typeorm";
import { ConflictError, InvalidInputError, NotFoundError, isUniqueViolation } from "../shared/errors";
import { checkPageSize, decodeCursor, encodeCursor, escapeLike, toPage, type Page } from "../shared/pagination";
import { preparedQuery, StatementParts } from "../shared/prepared-query";
import { Company } from "./company.entity";
import { entityRows } from "../shared/entity-rows";
import { Finance } from "./finance.entity";
import {
  normalizeFinances,
  normalizeName,
  normalizeOptionalText,
  type CompanyFields,
  type FinanceFields,
  type NormalizedFinance,
} from "./company.validation";

export type CompanyOrderBy = "NAME_ASC" | "NAME_DESC" | "CREATED_AT_DESC";

export interface CompanyFilterProps {
  /** Case-insensitive substring of the name. */
  nameContains?: string | null;
  /** Exact match. */
  businessType?: string | null;
  /** Exact match. */
  ceo?: string | null;
}

export interface ListCompaniesProps {
  first: number;
  after?: string | null;
  filter?: CompanyFilterProps | null;
  orderBy?: CompanyOrderBy | null;
}

export interface CreateCompanyProps extends CompanyFields {
  /** Created in the same transaction as the company: all or nothing. */
  finances?: FinanceFields[] | null;
}

export interface UpdateCompanyProps {
  name?: string | null;
  ceo?: string | null;
  businessType?: string | null;
}

export interface ImportResult {
  companiesCreated: number;
  companiesUpdated: number;
  financesWritten: number;
}

export async function getCompany(em: EntityManager, id: number): Promise<Company | null> {
  const company = entityRows(em, Company, "c");
  const rows = await preparedQuery<Record<string, unknown>>(em, "company_by_id", `SELECT ${company.select} FROM company c WHERE c.id = $1`, [id]);
  return rows.length > 0 ? company.map(rows[0]) : null;
}

/**
 * A company and all its finance rows (newest year first) in ONE statement, for
 * callers that know they will show both (GraphQL `company(id) { finances }`):
 * half the round trips of getCompany plus the finances loader. One row comes
 * back, its finances packed into one text (entityRows' `packed`): a join would
 * repeat and re-parse the company's columns on every finance row.
 */
export async function getCompanyWithFinances(em: EntityManager, id: number): Promise<{ company: Company; finances: Finance[] } | null> {
  const company = entityRows(em, Company, "c");
  const finance = entityRows(em, Finance, "f");
  const rows = await preparedQuery<Record<string, unknown>>(
    em,
    "company_with_finances_packed_by_id",
    `SELECT ${company.select},
            (SELECT '[' || string_agg(${finance.packed}, ',' ORDER BY f.year DESC) || ']' FROM finance f WHERE f.company_id = c.id) AS finances
       FROM company c
      WHERE c.id = $1`,
    [id],
  );
  if (rows.length === 0) return null;
  return { company: company.map(rows[0]), finances: finance.unpack(rows[0].finances as string | null) };
}

/** Keyset definition per ordering: the sort expression, its direction, and how the cursor stores it. */
const ORDERINGS = {
  NAME_ASC: { expr: "lower(c.name)", dir: "ASC", op: ">" },
  NAME_DESC: { expr: "lower(c.name)", dir: "DESC", op: "<" },
  // created_at is compared as text-in-cursor cast back to timestamptz, keeping microseconds a JS Date would lose.
  CREATED_AT_DESC: { expr: "c.created_at", dir: "DESC", op: "<" },
} as const;

/**
 * Lists companies with keyset pagination: the cost of a page does not grow with how deep it is.
 * The SQL is assembled from fixed fragments, so each combination of ordering,
 * filters and cursor is one prepared statement (named after that combination).
 */
export async function listCompanies(em: EntityManager, props: ListCompaniesProps): Promise<Page<Company>> {
  const { first, after, filter } = props;
  const orderBy = props.orderBy ?? "NAME_ASC";
  checkPageSize(first);
  const ordering = ORDERINGS[orderBy];

  const parts = new StatementParts().filter([
    ["name", "lower(c.name) LIKE ?", filter?.nameContains ? `%${escapeLike(filter.nameContains.toLowerCase())}%` : null],
    ["type", "c.business_type = ?", filter?.businessType],
    ["ceo", "c.ceo = ?", filter?.ceo],
  ]);
  const count = parts.counter(em, "company_count", "company c");
  if (after) {
    const [key, id] = decodeCursor(after, orderBy, ["string", "number"]);
    const keyExpr = orderBy === "CREATED_AT_DESC" ? `CAST(${parts.param(key)} AS timestamptz)` : parts.param(key);
    parts.add("after", `(${ordering.expr}, c.id) ${ordering.op} (${keyExpr}, ${parts.param(id)})`);
  }
  const limit = parts.param(first + 1);
  const company = entityRows(em, Company, "c");
  const rows = await preparedQuery<Record<string, unknown>>(
    em,
    parts.statementName(`company_page_${orderBy}`),
    `SELECT ${company.select}, ${ordering.expr}::text AS sort_key FROM company c
      ${parts.whereSql}
      ORDER BY ${ordering.expr} ${ordering.dir}, c.id ${ordering.dir} LIMIT ${limit}`,
    parts.values,
  );
  // A node's cursor is its row's sort key and id: nodes[i] is rows[i].
  return toPage(rows.map(company.map), first, (c, i) => encodeCursor(orderBy, [rows[i].sort_key as string, c.id]), count);
}

/**
 * Inserts or replaces finance rows by (company, year) in one statement. Arrays
 * are sent as single parameters, so 80,000 rows are one round trip.
 * Returns the number of rows written.
 */
export async function upsertFinanceRows(
  em: EntityManager,
  rows: readonly (NormalizedFinance & { companyId: number })[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result: unknown[] = await em.query(
    `INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
     SELECT * FROM unnest($1::int[], $2::int[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[])
     ON CONFLICT (company_id, year) DO UPDATE SET
       q1_earnings = EXCLUDED.q1_earnings, q2_earnings = EXCLUDED.q2_earnings,
       q3_earnings = EXCLUDED.q3_earnings, q4_earnings = EXCLUDED.q4_earnings
     RETURNING id`,
    [
      rows.map((r) => r.companyId),
      rows.map((r) => r.year),
      rows.map((r) => r.q1Earnings),
      rows.map((r) => r.q2Earnings),
      rows.map((r) => r.q3Earnings),
      rows.map((r) => r.q4Earnings),
    ],
  );
  return result.length;
}

function nameConflict(name: string): ConflictError {
  return new ConflictError(`a company named "${name}" already exists (names are unique regardless of case)`, { field: "name" });
}

/** Creates a company and its finance rows in one transaction; CONFLICT when the name is taken. */
export async function createCompany(em: EntityManager, props: CreateCompanyProps): Promise<Company> {
  const name = normalizeName(props.name, "name");
  const ceo = normalizeOptionalText(props.ceo, "ceo");
  const businessType = normalizeOptionalText(props.businessType, "businessType");
  const finances = normalizeFinances(props.finances, "finances");
  const company = entityRows(em, Company, "c");
  try {
    // ONE statement: a statement is atomic on its own, so the company and its finances are all or nothing
    // without BEGIN/COMMIT round trips (5 statements before; the bench's M1). The finance rows' foreign key
    // is checked at the end of the statement, when the company row of the same statement exists.
    const [row] = (await em.query(
      `WITH c AS (
         INSERT INTO company (name, ceo, business_type) VALUES ($1, $2, $3) RETURNING *
       ), f AS (
         INSERT INTO finance (company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings)
         SELECT c.id, u.* FROM c, unnest($4::int[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[]) AS u
       )
       SELECT ${company.select} FROM c`,
      [
        name,
        ceo,
        businessType,
        finances.map((f) => f.year),
        finances.map((f) => f.q1Earnings),
        finances.map((f) => f.q2Earnings),
        finances.map((f) => f.q3Earnings),
        finances.map((f) => f.q4Earnings),
      ],
    )) as Record<string, unknown>[];
    return company.map(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(name);
    throw error;
  }
}

/** Updates the given fields; NOT_FOUND for an unknown id, CONFLICT when the new name is taken. */
export async function updateCompany(em: EntityManager, id: number, props: UpdateCompanyProps): Promise<Company> {
  const changes: Partial<Company> = {};
  if (props.name !== undefined) {
    if (props.name === null) throw new InvalidInputError("name cannot be null", "name");
    changes.name = normalizeName(props.name, "name");
  }
  if (props.ceo !== undefined) changes.ceo = normalizeOptionalText(props.ceo, "ceo");
  if (props.businessType !== undefined) changes.businessType = normalizeOptionalText(props.businessType, "businessType");
  try {
    return await em.transaction(async (tx) => {
      const company = await tx.findOne(Company, { where: { id }, lock: { mode: "pessimistic_write" } });
      if (!company) throw new NotFoundError("company", id);
      if (Object.keys(changes).length === 0) return company;
      tx.merge(Company, company, changes);
      return tx.save(company);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(changes.name ?? "");
    throw error;
  }
}

/** Deletes a company and (by cascade) its finances; NOT_FOUND for an unknown id, like every other change by id. */
export async function deleteCompany(em: EntityManager, id: number): Promise<true> {
  const result = await em.delete(Company, { id });
  if ((result.affected ?? 0) === 0) throw new NotFoundError("company", id);
  return true;
}

/** Inserts or replaces finance rows of one company by year, in one transaction. */
export async function upsertFinances(em: EntityManager, companyId: number, finances: readonly FinanceFields[]): Promise<Company> {
  const rows = normalizeFinances(finances, "finances");
  return em.transaction(async (tx) => {
    // FOR SHARE keeps the company from being deleted between the check and the insert.
    const company = await tx.findOne(Company, { where: { id: companyId }, lock: { mode: "pessimistic_read" } });
    if (!company) throw new NotFoundError("company", companyId);
    await upsertFinanceRows(tx, rows.map((f) => ({ ...f, companyId })));
    return company;
  });
}

/**
 * Inserts or updates companies by name (case-insensitively) with their finance
 * rows, all in one transaction: a bad record, named by its index, writes nothing.
 * Finance years not in the input are kept.
 */
export async function importCompanies(em: EntityManager, companies: readonly CreateCompanyProps[]): Promise<ImportResult> {
  const seen = new Map<string, number>();
  const records = companies.map((c, i) => {
    const path = `companies[${i}]`;
    const name = normalizeName(c.name, `${path}.name`);
    const key = name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InvalidInputError(`${path}.name "${name}" repeats companies[${earlier}].name`, `${path}.name`);
    }
    seen.set(key, i);
    return {
      name,
      ceo: normalizeOptionalText(c.ceo, `${path}.ceo`),
      businessType: normalizeOptionalText(c.businessType, `${path}.businessType`),
      finances: normalizeFinances(c.finances, `${path}.finances`),
    };
  });
  if (records.length === 0) return { companiesCreated: 0, companiesUpdated: 0, financesWritten: 0 };

  return em.transaction(async (tx) => {
    // xmax = 0 only on a freshly inserted row: it tells created from updated in one statement.
    const upserted: { id: number; name: string; inserted: boolean }[] = await tx.query(
      `INSERT INTO company (name, ceo, business_type)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[])
       ON CONFLICT (lower(name)) DO UPDATE SET
         name = EXCLUDED.name, ceo = EXCLUDED.ceo, business_type = EXCLUDED.business_type, updated_at = now()
       RETURNING id, name, (xmax = 0) AS inserted`,
      [records.map((r) => r.name), records.map((r) => r.ceo), records.map((r) => r.businessType)],
    );
    // The stored name is the one sent (insert, or `name = EXCLUDED.name`), so it is the key back.
    const idByName = new Map(upserted.map((r) => [r.name, r.id]));
    const financeRows = records.flatMap((r) => {
      const companyId = idByName.get(r.name)!;
      return r.finances.map((f) => ({ ...f, companyId }));
    });
    const financesWritten = await upsertFinanceRows(tx, financeRows);
    const created = upserted.filter((r) => r.inserted).length;
    return { companiesCreated: created, companiesUpdated: upserted.length - created, financesWritten };
  });
}
