import type { Page } from "playwright-core";
import { rowCells, type PageElement, type PageGlobals } from "./support/dom";
import { eventually, screenshot, usePagePerTest } from "./support/browser";

/** Stark Industries' demo finances (src/domain/demo/demo-companies.json), as the table formats them. */
const STARK_ROWS = [
  ["2023", "2,390.75", "2,512.00", "2,475.50", "2,931.25", "10,309.50"],
  ["2022", "2,105.00", "2,250.50", "2,199.25", "2,688.00", "9,242.75"],
  ["2021", "1,820.50", "2,041.25", "1,977.00", "2,410.75", "8,249.50"],
];

/** The rows of the numbers table under the chart, as text cells. */
function numbersTable(page: Page): Promise<string[][]> {
  return page.locator("table.numbers tbody tr").evaluateAll(rowCells);
}

/** Company names linked from the list, in the order shown. */
function listedNames(page: Page): Promise<string[]> {
  return page.locator("table tbody th a").allInnerTexts();
}

describe("companies", () => {
  const session = usePagePerTest({ signIn: true });


  test("the list shows the demo companies and the search narrows it to Stark Industries", async () => {
    const { page } = session.open;
    await page.getByRole("link", { name: "WayneCorp" }).waitFor();
    const names = await listedNames(page);
    expect(names).toEqual(expect.arrayContaining(["Stark Industries", "WayneCorp"]));
    await screenshot(page, "companies");

    await page.getByRole("searchbox", { name: "Search by name" }).fill("stark");
    await eventually(async () => expect(await listedNames(page)).toEqual(["Stark Industries"]));
    await expect(page.locator(".pager").innerText()).resolves.toContain("1 company");
    await screenshot(page, "companies-search");

    await page.getByRole("searchbox", { name: "Search by name" }).fill("no such company zzz");
    await page.getByText("No company name contains “no such company zzz”.").waitFor();
  });

  test("when the server cannot be reached the list says so, and Try again recovers once it answers", async () => {
    const { page } = session.open;
    await page.getByRole("link", { name: "WayneCorp" }).waitFor();
    // The browser's own network failure (connection refused), not a mocked answer.
    await page.route("**/graphql", (route) => route.abort("connectionrefused"));
    await page.getByRole("searchbox", { name: "Search by name" }).fill("wayne");
    const error = page.getByRole("alert").filter({ hasText: "The dashql server did not answer." });
    await error.waitFor();
    await expect(error.innerText()).resolves.toContain("NETWORK_ERROR");
    await screenshot(page, "companies-unreachable");

    await page.unroute("**/graphql");
    await error.getByRole("button", { name: "Try again" }).click();
    await eventually(async () => expect(await listedNames(page)).toEqual(["WayneCorp"]));
    expect(await error.count()).toBe(0);
  });

  test("Stark Industries' page draws its quarterly earnings per year and lists the same numbers", async () => {
    const { page } = session.open;
    await page.getByRole("link", { name: "Stark Industries" }).click();
    await page.getByRole("heading", { level: 1, name: "Stark Industries" }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/companies\/\d+$/);

    const chart = page.locator("figure.chart svg").first();
    await chart.waitFor();
    // Three years × four quarters, each a visible bar with a height.
    const bars = page.locator("figure.chart .earnings-bar");
    await eventually(async () => expect(await bars.count()).toBe(12));
    const heights = await bars.evaluateAll((nodes: PageElement[]) => nodes.map((n) => n.getBBox().height));
    for (const h of heights) expect(h).toBeGreaterThan(0);
    // Bars are drawn per quarter, oldest year first: Q1 2021 (1,820.50) is the lowest, Q4 2023 (2,931.25) the highest.
    expect(Math.min(...heights)).toBe(heights[0]);
    expect(Math.max(...heights)).toBe(heights[11]);
    const axisText = await chart.locator("text").allTextContents();
    for (const year of ["2021", "2022", "2023"]) expect(axisText).toContain(year);
    // The legend is page text under the chart (ChartFrame), no longer SVG text.
    const legend = await page.locator("figure.chart .chart-legend").innerText();
    for (const quarter of ["Q1", "Q2", "Q3", "Q4"]) expect(legend).toContain(quarter);

    expect(await numbersTable(page)).toEqual(STARK_ROWS);
    await screenshot(page, "company-stark");
  });

  test("a company created with four finance years through the form opens on its own page", async () => {
    const { page } = session.open;
    const name = `E2E Robotics ${Date.now().toString(36)}`;
    await page.getByRole("link", { name: "New company" }).click();
    await page.getByRole("heading", { name: "New company" }).waitFor();

    await page.getByLabel("Name").fill(name);
    await page.getByLabel("CEO").fill("Ada Lovelace");
    await page.getByLabel("Business type").fill("Automation");
    for (let i = 1; i < 4; i++) await page.getByRole("button", { name: "Add a year" }).click();
    const years = [2020, 2021, 2022, 2023];
    for (const [i, year] of years.entries()) {
      await page.locator(`#field-finances-${i}-year`).fill(String(year));
      for (let q = 1; q <= 4; q++) await page.locator(`#field-finances-${i}-q${q}Earnings`).fill(String(1000 * (i + 1) + q * 10.5));
    }
    // A quarter left empty is a missing figure, not zero.
    await page.locator("#field-finances-3-q4Earnings").fill("");
    await screenshot(page, "company-new");
    await page.getByRole("button", { name: "Create company" }).click();

    await page.getByRole("heading", { level: 1, name }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/companies\/\d+$/);
    await expect(page.locator(".facts").innerText()).resolves.toContain("Ada Lovelace");
    const rows = await numbersTable(page);
    expect(rows.map((r) => r[0])).toEqual(["2023", "2022", "2021", "2020"]);
    expect(rows[0]).toEqual(["2023", "4,010.50", "4,021.00", "4,031.50", "—", "12,063.00"]);
    expect(rows[3]).toEqual(["2020", "1,010.50", "1,021.00", "1,031.50", "1,042.00", "4,105.00"]);
    await eventually(async () => expect(await page.locator("figure.chart .earnings-bar").count()).toBe(15));
    await screenshot(page, "company-created");

    // The new company is in the list too (searched: the list is paginated).
    await page.getByRole("link", { name: "Companies", exact: true }).first().click();
    await page.getByRole("searchbox", { name: "Search by name" }).fill(name);
    await eventually(async () => expect(await listedNames(page)).toEqual([name]));
  });

  test("the new-company form works from the keyboard alone: a missing name is reported and focused, Enter submits", async () => {
    const { page } = session.open;
    await page.goto("/companies/new");
    await page.getByRole("heading", { name: "New company" }).waitFor();
    const focusedId = () => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id ?? "");
    // From the top of the page, Tab reaches the name field (skip link, header links, breadcrumb first).
    for (let i = 0; i < 15 && (await focusedId()) !== "field-name"; i++) await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("field-name");

    await page.keyboard.press("Enter");
    await page.locator("#field-name-error").filter({ hasText: "Enter the company's name." }).waitFor();
    await eventually(async () => expect(await focusedId()).toBe("field-name"));

    const name = `Keyboard Works ${Date.now().toString(36)}`;
    await page.keyboard.type(name);
    await page.keyboard.press("Tab"); // CEO
    await page.keyboard.type("Grace Hopper");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await expect(page.locator(".facts").innerText()).resolves.toContain("Grace Hopper");
  });

  test("a duplicate name is answered with CONFLICT, shown next to the name field", async () => {
    const { page } = session.open;
    await page.goto("/companies/new");
    await page.getByLabel("Name").fill("stark industries");
    await page.locator("#field-finances-0-year").fill("2024");
    await page.getByRole("button", { name: "Create company" }).click();

    const nameError = page.locator("#field-name-error");
    await nameError.waitFor();
    await expect(nameError.innerText()).resolves.toMatch(/already exists/);
    expect(await page.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Name").getAttribute("aria-describedby")).toContain("field-name-error");
    await expect(page.locator(".error-summary").innerText()).resolves.toMatch(/Name: .*already exists/);
    // Still on the form, with what the user typed.
    expect(new URL(page.url()).pathname).toBe("/companies/new");
    expect(await page.getByLabel("Name").inputValue()).toBe("stark industries");
    await screenshot(page, "company-conflict");
  });
});
