import type { EntityManager } from "typeorm";
import { ApiKey } from "../api-key/api-key.entity";
import { createApiKey } from "../api-key/api-key.service";
import { hashToken } from "../api-key/api-key.token";
import { importCompanies, type CreateCompanyProps } from "../company/company.service";
import { Company } from "../company/company.entity";
import { User } from "../user/user.entity";
import demoCompanies from "./demo-companies.json";

/** The demo data, as data: two companies with three years of finances each. */
export const DEMO_COMPANIES: readonly CreateCompanyProps[] = demoCompanies;

/** Loads the demo companies unless the database already has companies. Returns whether it did. */
export async function seedDemoCompanies(em: EntityManager): Promise<boolean> {
  if ((await em.count(Company)) > 0) return false;
  await importCompanies(em, DEMO_COMPANIES);
  return true;
}

/**
 * Returns a working ADMIN key for the `demo` user: `knownToken` when it is still
 * valid, otherwise a new one (the caller keeps it, e.g. in DATA_DIR, to print it again).
 */
export async function ensureDemoKey(em: EntityManager, knownToken: string | undefined): Promise<{ token: string; created: boolean }> {
  if (knownToken) {
    const valid = await em.findOneBy(ApiKey, { tokenHash: hashToken(knownToken) });
    if (valid && valid.revokedAt === null) return { token: knownToken, created: false };
  }
  let demo = await em.findOneBy(User, { username: "demo" });
  if (!demo) demo = await em.save(em.create(User, { username: "demo", email: null, role: "ADMIN" }));
  const { token } = await createApiKey(em, demo, { name: "demo (development)" });
  return { token, created: true };
}
