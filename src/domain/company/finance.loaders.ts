import DataLoader from "dataloader";
import { In, type EntityManager } from "typeorm";
import { Company } from "./company.entity";
import { preparedQuery, toNumberOrNull } from "../shared/prepared-query";
import { Finance } from "./finance.entity";

export interface FinanceKey {
  companyId: number;
  fromYear?: number | null;
  toYear?: number | null;
}

/** A finance row as selected by the hot-path reads (snake_case, numeric as strings). */
export interface FinanceRow {
  id: number;
  company_id: number;
  year: number;
  q1_earnings: string | null;
  q2_earnings: string | null;
  q3_earnings: string | null;
  q4_earnings: string | null;
  total_earnings: string | null;
}

export function toFinance(row: FinanceRow): Finance {
  const finance = new Finance();
  finance.id = row.id;
  finance.companyId = row.company_id;
  finance.year = row.year;
  finance.q1Earnings = toNumberOrNull(row.q1_earnings);
  finance.q2Earnings = toNumberOrNull(row.q2_earnings);
  finance.q3Earnings = toNumberOrNull(row.q3_earnings);
  finance.q4Earnings = toNumberOrNull(row.q4_earnings);
  finance.totalEarnings = toNumberOrNull(row.total_earnings);
  return finance;
}

const rangeOf = (k: FinanceKey) => `${k.fromYear ?? ""}:${k.toYear ?? ""}`;
const keyOf = (k: FinanceKey) => `${k.companyId}|${rangeOf(k)}`;

/**
 * Finance rows per company, newest year first. One query per distinct year
 * range in a batch (normally one: every company in a response asks the same
 * range), whatever the number of companies. A prepared statement with raw rows:
 * TypeORM's hydration of 800 rows cost more CPU than the rest of a 100-company page.
 */
export function createFinancesByCompanyLoader(em: EntityManager): DataLoader<FinanceKey, Finance[], string> {
  return new DataLoader<FinanceKey, Finance[], string>(
    async (keys) => {
      // Per range: its years and the companies that ask for it.
      const byRange = new Map<string, { key: FinanceKey; companyIds: Set<number> }>();
      for (const key of keys) {
        const range = rangeOf(key);
        const group = byRange.get(range);
        if (group) group.companyIds.add(key.companyId);
        else byRange.set(range, { key, companyIds: new Set([key.companyId]) });
      }
      const found = new Map<string, Finance[]>();
      await Promise.all(
        [...byRange.entries()].map(async ([range, { key, companyIds }]) => {
          const { fromYear, toYear } = key;
          const rows = await preparedQuery<FinanceRow>(
            em,
            "finances_by_company",
            `SELECT id, company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings
               FROM finance
              WHERE company_id = ANY($1::int[]) AND ($2::int IS NULL OR year >= $2) AND ($3::int IS NULL OR year <= $3)
              ORDER BY company_id, year DESC`,
            [[...companyIds], fromYear ?? null, toYear ?? null],
          );
          for (const row of rows) {
            const finance = toFinance(row);
            const k = `${finance.companyId}|${range}`;
            const list = found.get(k);
            if (list) list.push(finance);
            else found.set(k, [finance]);
          }
        }),
      );
      // A company without finances gets [], in key order (DataLoader's contract).
      return keys.map((k) => found.get(keyOf(k)) ?? []);
    },
    { cacheKeyFn: keyOf },
  );
}

/** Companies by id; null for an id that does not exist. */
export function createCompanyByIdLoader(em: EntityManager): DataLoader<number, Company | null> {
  return new DataLoader<number, Company | null>(async (ids) => {
    const rows = await em.findBy(Company, { id: In([...ids]) });
    const byId = new Map(rows.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
