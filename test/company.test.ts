import {
  CompaniesDocument,
  CompaniesPageDocument,
  CompaniesWithFinancesDocument,
  CompanyDocument,
  CompanyFinancesInRangeDocument,
  CreateCompanyDocument,
  DeleteCompanyDocument,
  ImportCompaniesDocument,
  UpdateCompanyDocument,
  UpsertFinancesDocument,
  type CompaniesPageQuery,
} from "./generated/graphql";
import { errorCodes, useTestServer, type GraphQLResponse } from "./support/server";

const t = useTestServer();

const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.app.database.dataSource.query(sql, params))[0].n);

async function create(name: string, finances: { year: number; q1Earnings?: number | null }[] = []) {
  const res = await t.request(CreateCompanyDocument, { input: { name, finances } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.createCompany;
}

describe("createCompany", () => {
  it("creates a company with four finance years in one mutation, newest year first", async () => {
    const res = await t.request(CreateCompanyDocument, {
      input: {
        name: "  Acme Rockets  ",
        ceo: "Wile E.",
        businessType: "Aerospace",
        finances: [
          { year: 2020, q1Earnings: 0.1, q2Earnings: 0.2, q3Earnings: null, q4Earnings: null },
          { year: 2023, q1Earnings: 10, q2Earnings: 20, q3Earnings: 30, q4Earnings: 40 },
          { year: 2021 },
          { year: 2022, q4Earnings: -5.5 },
        ],
      },
    });
    expect(res.body.errors).toBeUndefined();
    const company = res.body.data!.createCompany;
    expect(company.name).toBe("Acme Rockets");
    expect(company.finances.map((f) => f.year)).toEqual([2023, 2022, 2021, 2020]);
    const byYear = Object.fromEntries(company.finances.map((f) => [f.year, f]));
    expect(byYear[2023].totalEarnings).toBe(100);
    // Exact numeric arithmetic: a float sum would give 0.30000000000000004.
    expect(byYear[2020].totalEarnings).toBe(0.3);
    expect(byYear[2021].totalEarnings).toBeNull();
    expect(byYear[2022].totalEarnings).toBe(-5.5);
  });

  it("writes the company and its finances in ONE SQL statement (atomic without a transaction round trip)", async () => {
    await t.raw("{ me { id } }", {}, { role: "WRITER" }); // the key's first use in this server costs a lookup
    const res = await t.raw(
      `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id name } }`,
      { input: { name: "One Statement Co", finances: [2020, 2021, 2022, 2023].map((year) => ({ year, q1Earnings: year })) } },
      { role: "WRITER" },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.statements).toBe(1);
    const id = Number(res.body.data.createCompany.id);
    expect(await count(`SELECT count(*) AS n FROM finance WHERE company_id = ${id}`)).toBe(4);
  });

  it("writes nothing when one finance row is invalid", async () => {
    const res = await t.request(CreateCompanyDocument, {
      input: { name: "Half Written Inc", finances: [{ year: 2020 }, { year: 1850 }] },
    });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toMatch(/finances\[1\]\.year/);
    expect(await count(`SELECT count(*) AS n FROM company WHERE name = 'Half Written Inc'`)).toBe(0);
  });

  it("refuses a finance year given twice and writes nothing", async () => {
    const res = await t.request(CreateCompanyDocument, { input: { name: "Dup Years", finances: [{ year: 2020 }, { year: 2020 }] } });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(await count(`SELECT count(*) AS n FROM company WHERE name = 'Dup Years'`)).toBe(0);
  });

  it.each([
    ["an empty name", { name: "   " }, "name"],
    ["a 141-character name", { name: "x".repeat(141) }, "name"],
    ["a year after 2200", { name: "Future Co", finances: [{ year: 2201 }] }, "finances[0].year"],
  ])("refuses %s with BAD_USER_INPUT naming the field", async (_label, input, field) => {
    const res = await t.request(CreateCompanyDocument, { input });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].extensions!.field).toBe(field);
  });

  it("accepts a 140-character name after trimming", async () => {
    const company = await create(` ${"y".repeat(140)} `);
    expect(company.name).toHaveLength(140);
  });

  it("answers CONFLICT for a name that differs only in case", async () => {
    await create("Globex");
    const res = await t.request(CreateCompanyDocument, { input: { name: "GLOBEX" } });
    expect(errorCodes(res)).toEqual(["CONFLICT"]);
    expect(await count(`SELECT count(*) AS n FROM company WHERE lower(name) = 'globex'`)).toBe(1);
  });

  it("lets exactly one of 10 concurrent identical creates win; the others get CONFLICT", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.request(CreateCompanyDocument, { input: { name: "Race Condition Ltd", finances: [{ year: 2024, q1Earnings: 1 }] } }),
      ),
    );
    const codes = results.map((r) => errorCodes(r)[0] ?? "OK").sort();
    expect(codes.filter((c) => c === "OK")).toHaveLength(1);
    expect(codes.filter((c) => c === "CONFLICT")).toHaveLength(9);
    expect(await count(`SELECT count(*) AS n FROM company WHERE name = 'Race Condition Ltd'`)).toBe(1);
    expect(
      await count(`SELECT count(*) AS n FROM finance f JOIN company c ON c.id = f.company_id WHERE c.name = 'Race Condition Ltd'`),
    ).toBe(1);
  });

  it("refuses READER keys with FORBIDDEN and requests without a key with UNAUTHENTICATED", async () => {
    const asReader = await t.request(CreateCompanyDocument, { input: { name: "Reader Co" } }, { role: "READER" });
    expect(errorCodes(asReader)).toEqual(["FORBIDDEN"]);
    const anonymous = await t.request(CreateCompanyDocument, { input: { name: "Anon Co" } }, { token: null });
    expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    const asWriter = await t.request(CreateCompanyDocument, { input: { name: "Writer Co" } }, { role: "WRITER" });
    expect(asWriter.body.errors).toBeUndefined();
    expect(await count(`SELECT count(*) AS n FROM company WHERE name IN ('Reader Co', 'Anon Co')`)).toBe(0);
  });
});

describe("company and companies", () => {
  it("returns null for an id that does not exist and BAD_USER_INPUT for a malformed id", async () => {
    const missing = await t.request(CompanyDocument, { id: "999999" }, { role: "READER" });
    expect(missing.body.errors).toBeUndefined();
    expect(missing.body.data!.company).toBeNull();
    const malformed = await t.request(CompanyDocument, { id: "abc" }, { role: "READER" });
    expect(errorCodes(malformed)).toEqual(["BAD_USER_INPUT"]);
  });

  it("filters finances by year range", async () => {
    const company = await create("Ranged", [{ year: 2019 }, { year: 2020 }, { year: 2021 }, { year: 2022 }]);
    const res = await t.request(CompanyFinancesInRangeDocument, { id: company.id, fromYear: 2020, toYear: 2021 });
    expect(res.body.data!.company!.finances.map((f) => f.year)).toEqual([2021, 2020]);
  });

  it("filters by case-insensitive substring, exact business type and exact CEO", async () => {
    await t.request(CreateCompanyDocument, { input: { name: "Filter Alpha 100%", ceo: "Ada", businessType: "Filters" } });
    await t.request(CreateCompanyDocument, { input: { name: "Filter Beta", ceo: "Bob", businessType: "Filters" } });
    await t.request(CreateCompanyDocument, { input: { name: "Other_Gamma", ceo: "Ada", businessType: "Other" } });
    const byName = await t.request(CompaniesDocument, { filter: { nameContains: "fILTER" } });
    expect(byName.body.data!.companies.nodes.map((c) => c.name).sort()).toEqual(["Filter Alpha 100%", "Filter Beta"]);
    expect(byName.body.data!.companies.totalCount).toBe(2);
    // LIKE wildcards in the search text match literally.
    const percent = await t.request(CompaniesDocument, { filter: { nameContains: "100%" } });
    expect(percent.body.data!.companies.nodes.map((c) => c.name)).toEqual(["Filter Alpha 100%"]);
    const underscore = await t.request(CompaniesDocument, { filter: { nameContains: "r_g" } });
    expect(underscore.body.data!.companies.nodes.map((c) => c.name)).toEqual(["Other_Gamma"]);
    const both = await t.request(CompaniesDocument, { filter: { businessType: "Filters", ceo: "Ada" } });
    expect(both.body.data!.companies.nodes.map((c) => c.name)).toEqual(["Filter Alpha 100%"]);
  });

  it.each([0, -1, 501])("refuses first: %i with BAD_USER_INPUT", async (first) => {
    const res = await t.request(CompaniesDocument, { first });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a cursor that was not issued by the list", async () => {
    const res = await t.request(CompaniesDocument, { after: "not-a-cursor" });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    const other = await t.request(CompaniesPageDocument, { first: 1, orderBy: "NAME_DESC" });
    const mixed = await t.request(CompaniesPageDocument, { first: 1, after: other.body.data!.companies.pageInfo.endCursor, orderBy: "NAME_ASC" });
    expect(errorCodes(mixed)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("pagination over 120 rows", () => {
  let ids: Set<string>;
  beforeAll(async () => {
    const res = await t.request(ImportCompaniesDocument, {
      companies: Array.from({ length: 120 }, (_, i) => ({ name: `Page Co ${String(i).padStart(3, "0")}`, finances: [{ year: 2000 + (i % 5) }] })),
    });
    expect(res.body.data!.importCompanies.companiesCreated).toBe(120);
    const all: { id: string }[] = await t.app.database.dataSource.query(`SELECT id::text AS id FROM company`);
    ids = new Set(all.map((r) => r.id));
  });

  it.each(["NAME_ASC", "NAME_DESC", "CREATED_AT_DESC"] as const)("visits every company exactly once in %s order", async (orderBy) => {
    const seen: string[] = [];
    const names: string[] = [];
    let after: string | null | undefined = null;
    let pages = 0;
    for (;;) {
      const res: GraphQLResponse<CompaniesPageQuery> = await t.request(CompaniesPageDocument, { first: 7, after, orderBy });
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data!.companies;
      seen.push(...page.nodes.map((n) => n.id));
      names.push(...page.nodes.map((n) => n.name.toLowerCase()));
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(ids.size);
    expect(new Set(seen)).toEqual(ids);
    expect(pages).toBe(Math.ceil(ids.size / 7));
    if (orderBy !== "CREATED_AT_DESC") {
      const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(names).toEqual(orderBy === "NAME_ASC" ? sorted : sorted.reverse());
    }
  });

  it("costs the same number of SQL statements for 100 companies with finances as for 1", async () => {
    await t.request(CompaniesWithFinancesDocument, { first: 1 }); // warm the API-key cache
    const one = await t.request(CompaniesWithFinancesDocument, { first: 1 });
    const hundred = await t.request(CompaniesWithFinancesDocument, { first: 100 });
    expect(hundred.body.errors).toBeUndefined();
    expect(hundred.body.data!.companies.nodes).toHaveLength(100);
    expect(hundred.body.data!.companies.nodes.every((c) => c.finances.every((f) => f.company.id === c.id))).toBe(true);
    // page + batched finances + batched Finance.company; no COUNT (totalCount not selected); auth cached.
    expect(one.statements).toBe(3);
    expect(hundred.statements).toBe(one.statements);
  });

  it("counts each request's own statements when requests overlap", async () => {
    const { id } = await create("Overlapping Co", [{ year: 2020 }]);
    await t.request(CompanyDocument, { id }); // warm the API-key cache
    // Interleaved in one process: 1 statement for company(id), 3 for a page with finances,
    // 5 for updateCompany (its transaction: BEGIN, lock, update, read back, COMMIT).
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? t.request(CompanyDocument, { id }).then((r) => ({ r, expected: 1 }))
          : i % 3 === 1
            ? t.request(CompaniesWithFinancesDocument, { first: 5 }).then((r) => ({ r, expected: 3 }))
            : t.request(UpdateCompanyDocument, { id, input: { ceo: `CEO ${i}` } }).then((r) => ({ r, expected: 5 })),
      ),
    );
    for (const { r, expected } of replies) {
      expect(r.body.errors).toBeUndefined();
      expect(r.statements).toBe(expected);
    }
  });
});

describe("updateCompany, deleteCompany, upsertFinances", () => {
  it("updates given fields only, clears with null, and bumps updatedAt", async () => {
    const created = await t.request(CreateCompanyDocument, { input: { name: "Mutable", ceo: "A", businessType: "B" } });
    const id = created.body.data!.createCompany.id;
    const before = await t.request(CompanyDocument, { id });
    const res = await t.request(UpdateCompanyDocument, { id, input: { ceo: null, name: "Mutable 2" } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.updateCompany).toMatchObject({ name: "Mutable 2", ceo: null, businessType: "B" });
    expect(Date.parse(res.body.data!.updateCompany.updatedAt)).toBeGreaterThan(Date.parse(before.body.data!.company!.updatedAt));
  });

  it("answers NOT_FOUND for an unknown id and CONFLICT for a taken name", async () => {
    const missing = await t.request(UpdateCompanyDocument, { id: "987654", input: { ceo: "x" } });
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    await create("Taken Name");
    const other = await create("Free Name");
    const conflict = await t.request(UpdateCompanyDocument, { id: other.id, input: { name: "taken name" } });
    expect(errorCodes(conflict)).toEqual(["CONFLICT"]);
  });

  it("deletes a company with its finances; a second delete answers NOT_FOUND, as every mutation on an unknown id does", async () => {
    const company = await create("Doomed", [{ year: 2001 }, { year: 2002 }]);
    const res = await t.request(DeleteCompanyDocument, { id: company.id });
    expect(res.body.data!.deleteCompany).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM finance WHERE company_id = $1`, [Number(company.id)])).toBe(0);
    const again = await t.request(DeleteCompanyDocument, { id: company.id });
    expect(errorCodes(again)).toEqual(["NOT_FOUND"]);
    expect(again.body.errors![0].extensions).toMatchObject({ id: company.id });
  });

  it("inserts new years and replaces existing ones", async () => {
    const company = await create("Upserted", [{ year: 2001, q1Earnings: 1 }]);
    const res = await t.request(UpsertFinancesDocument, {
      companyId: company.id,
      finances: [
        { year: 2001, q4Earnings: 4 },
        { year: 2002, q1Earnings: 2 },
      ],
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.upsertFinances.finances).toEqual([
      { year: 2002, q1Earnings: 2, q4Earnings: null, totalEarnings: 2 },
      // Replaced, not merged: q1 is gone.
      { year: 2001, q1Earnings: null, q4Earnings: 4, totalEarnings: 4 },
    ]);
    const missing = await t.request(UpsertFinancesDocument, { companyId: "999999", finances: [{ year: 2001 }] });
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
  });
});

describe("importCompanies", () => {
  it("creates, then updates by name case-insensitively, in one transaction", async () => {
    const first = await t.request(ImportCompaniesDocument, {
      companies: [
        { name: "Import One", ceo: "C1", finances: [{ year: 2010, q1Earnings: 1 }, { year: 2011 }] },
        { name: "Import Two", businessType: "T" },
      ],
    });
    expect(first.body.data!.importCompanies).toEqual({ companiesCreated: 2, companiesUpdated: 0, financesWritten: 2 });
    const second = await t.request(ImportCompaniesDocument, {
      companies: [
        { name: "IMPORT ONE", ceo: "C1b", finances: [{ year: 2011, q2Earnings: 5 }, { year: 2012 }] },
        { name: "Import Three" },
      ],
    });
    expect(second.body.data!.importCompanies).toEqual({ companiesCreated: 1, companiesUpdated: 1, financesWritten: 2 });
    const rows = await t.app.database.dataSource.query(
      `SELECT c.name, c.ceo, array_agg(f.year ORDER BY f.year) AS years FROM company c JOIN finance f ON f.company_id = c.id
        WHERE lower(c.name) = 'import one' GROUP BY c.id`,
    );
    expect(rows).toEqual([{ name: "IMPORT ONE", ceo: "C1b", years: [2010, 2011, 2012] }]);
  });

  it("names the bad record and writes nothing when one record is invalid", async () => {
    const res = await t.request(ImportCompaniesDocument, {
      companies: [{ name: "Import Good" }, { name: "Import Bad", finances: [{ year: 3000 }] }],
    });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toContain("companies[1].finances[0].year");
    expect(await count(`SELECT count(*) AS n FROM company WHERE name = 'Import Good'`)).toBe(0);
  });

  it("refuses the same name twice in one import", async () => {
    const res = await t.request(ImportCompaniesDocument, { companies: [{ name: "Twice" }, { name: "twice" }] });
    expect(errorCodes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors![0].message).toContain("companies[1].name");
  });
});
