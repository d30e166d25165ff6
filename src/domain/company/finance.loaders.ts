import DataLoader from "dataloader";
import { In, type EntityManager } from "typeorm";
import { Company } from "./company.entity";
import { Finance } from "./finance.entity";

export interface FinanceKey {
  companyId: number;
  fromYear?: number | null;
  toYear?: number | null;
}

const rangeOf = (k: FinanceKey) => `${k.fromYear ?? ""}:${k.toYear ?? ""}`;

/**
 * Finance rows per company, newest year first. One query per distinct year
 * range in a batch (normally one: every company in a response asks the same
 * range), whatever the number of companies.
 */
export function createFinancesByCompanyLoader(em: EntityManager): DataLoader<FinanceKey, Finance[], string> {
  return new DataLoader<FinanceKey, Finance[], string>(
    async (keys) => {
      const byRange = new Map<string, FinanceKey[]>();
      for (const key of keys) {
        const range = rangeOf(key);
        byRange.set(range, [...(byRange.get(range) ?? []), key]);
      }
      const found = new Map<string, Finance[]>();
      await Promise.all(
        [...byRange.entries()].map(async ([range, group]) => {
          const { fromYear, toYear } = group[0];
          const qb = em
            .getRepository(Finance)
            .createQueryBuilder("f")
            .where("f.company_id = ANY(:ids)", { ids: [...new Set(group.map((k) => k.companyId))] })
            .orderBy("f.company_id")
            .addOrderBy("f.year", "DESC");
          if (fromYear != null) qb.andWhere("f.year >= :fromYear", { fromYear });
          if (toYear != null) qb.andWhere("f.year <= :toYear", { toYear });
          for (const finance of await qb.getMany()) {
            const k = `${finance.companyId}|${range}`;
            const list = found.get(k);
            if (list) list.push(finance);
            else found.set(k, [finance]);
          }
        }),
      );
      // A company without finances gets [], in key order (DataLoader's contract).
      return keys.map((k) => found.get(`${k.companyId}|${rangeOf(k)}`) ?? []);
    },
    { cacheKeyFn: (k) => `${k.companyId}|${rangeOf(k)}` },
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
