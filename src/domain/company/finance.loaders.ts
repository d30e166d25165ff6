import DataLoader from "dataloader";
import { In, type EntityManager } from "typeorm";
import { Company } from "./company.entity";
import { entityRows } from "../shared/entity-rows";
import { preparedQuery } from "../shared/prepared-query";
import { Finance } from "./finance.entity";

export interface FinanceKey {
  companyId: number;
  fromYear?: number | null;
  toYear?: number | null;
}

const rangeOf = (k: FinanceKey) => `${k.fromYear ?? ""}:${k.toYear ?? ""}`;
const keyOf = (k: FinanceKey) => `${k.companyId}|${rangeOf(k)}`;

/**
 * The finance rows of some companies in one statement, newest year first, within
 * an optional year range: every company asked for is in the map ([] when it has
 * none). A prepared statement, the rows packed into one text per company
 * (entityRows' `packed`): 800 plain rows cost a string per column and an object
 * per row, most of a 100-company page's CPU.
 */
export async function loadFinances(
  em: EntityManager,
  companyIds: readonly number[],
  range: Pick<FinanceKey, "fromYear" | "toYear"> = {},
): Promise<Map<number, Finance[]>> {
  const finance = entityRows(em, Finance, "f");
  const rows = await preparedQuery<{ company_id: number; finances: string }>(
    em,
    "finances_packed_by_company_ids_and_years",
    `SELECT f.company_id, '[' || string_agg(${finance.packed}, ',' ORDER BY f.year DESC) || ']' AS finances
       FROM finance f
      WHERE f.company_id = ANY($1::int[]) AND ($2::int IS NULL OR f.year >= $2) AND ($3::int IS NULL OR f.year <= $3)
      GROUP BY f.company_id`,
    [companyIds, range.fromYear ?? null, range.toYear ?? null],
  );
  const found = new Map<number, Finance[]>(companyIds.map((id) => [id, []]));
  for (const row of rows) found.set(row.company_id, finance.unpack(row.finances));
  return found;
}

/**
 * Finance rows per company, newest year first. One query per distinct year
 * range in a batch (normally one: every company in a response asks the same
 * range), whatever the number of companies.
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
          for (const [companyId, list] of await loadFinances(em, [...companyIds], key)) found.set(`${companyId}|${range}`, list);
        }),
      );
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
