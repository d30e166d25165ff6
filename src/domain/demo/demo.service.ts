import type { EntityManager } from "typeorm";
import { ApiKey } from "../api-key/api-key.entity";
import { createApiKey } from "../api-key/api-key.service";
import { hashToken } from "../api-key/api-key.token";
import { importCompanies, type CreateCompanyProps } from "../company/company.service";
import { Company } from "../company/company.entity";
import { User } from "../user/user.entity";

export const DEMO_COMPANIES: CreateCompanyProps[] = [
  {
    name: "Stark Industries",
    ceo: "Pepper Potts",
    businessType: "Manufacturing",
    finances: [
      { year: 2021, q1Earnings: 1820.5, q2Earnings: 2041.25, q3Earnings: 1977, q4Earnings: 2410.75 },
      { year: 2022, q1Earnings: 2105, q2Earnings: 2250.5, q3Earnings: 2199.25, q4Earnings: 2688 },
      { year: 2023, q1Earnings: 2390.75, q2Earnings: 2512, q3Earnings: 2475.5, q4Earnings: 2931.25 },
    ],
  },
  {
    name: "WayneCorp",
    ceo: "Bruce Wayne",
    businessType: "Multinational Conglomerate",
    finances: [
      { year: 2021, q1Earnings: 3120, q2Earnings: 2987.5, q3Earnings: 3301.25, q4Earnings: 3588 },
      { year: 2022, q1Earnings: 3299.75, q2Earnings: 3410, q3Earnings: 3186.5, q4Earnings: 3725.25 },
      { year: 2023, q1Earnings: 3502.5, q2Earnings: 3655.25, q3Earnings: 3590, q4Earnings: 3998.75 },
    ],
  },
];

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
