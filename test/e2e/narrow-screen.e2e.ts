import type { Browser, Page } from "playwright-core";
import type { PageGlobals } from "./support/dom";
import { eventually, launchBrowser, openPage, runDashql, screenshot, signInWithDemoKey, type OpenPage } from "./support/browser";

const WIDTH = 375;

/** How far the page itself scrolls sideways (0 when everything fits; wide tables scroll inside their own box). */
function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth;
  });
}

describe("a narrow screen (375 px, a small phone)", () => {
  let browser: Browser;
  let open: OpenPage;

  beforeAll(async () => {
    browser = await launchBrowser();
    open = await openPage(browser, { width: WIDTH, height: 740 });
  });
  afterAll(async () => {
    await open?.context.close();
    await browser?.close();
    expect(open.errors).toEqual([]);
  });

  test("sign-in fits the screen", async () => {
    const { page } = open;
    await page.goto("/");
    await page.getByRole("button", { name: "Sign in with the demo key" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "narrow-sign-in");
  });

  test("the companies list is usable without scrolling the page sideways", async () => {
    const { page } = open;
    await signInWithDemoKey(page);
    const stark = page.getByRole("link", { name: "Stark Industries" });
    await stark.waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    for (const target of [stark, page.getByRole("searchbox", { name: "Search by name" }), page.getByRole("button", { name: "Sign out" })]) {
      const box = await target.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    }
    await screenshot(page, "narrow-companies");

    await page.getByRole("searchbox", { name: "Search by name" }).fill("wayne");
    await eventually(async () => expect(await page.locator("table tbody th a").allInnerTexts()).toEqual(["WayneCorp"]));
    await page.getByRole("link", { name: "WayneCorp" }).click();
    await page.getByRole("heading", { level: 1, name: "WayneCorp" }).waitFor();
    await eventually(async () => expect(await page.locator("figure.chart .earnings-bar").count()).toBe(12));
    // The chart scales down to the screen (its SVG has a viewBox) instead of widening the page.
    const chartBox = await page.locator("figure.chart svg").first().boundingBox();
    expect(chartBox!.width).toBeLessThanOrEqual(WIDTH);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "narrow-company");
  });

  test("the runs and files views fit the screen too, and a run's directory stays legible", async () => {
    const { page } = open;
    // A run of its own (enqueued with the CLI from a schedule, as cron would), cancelled at the end so no worker picks it up.
    const runDir = "/data/runs/narrow-screen-check/2024-06-01T00-00-00";
    const enqueued = await runDashql(["enqueue", "--schedule-file", "-"], JSON.stringify([{ RUN_DIR: runDir, OWNER: "e2e" }]));
    expect({ code: enqueued.code, stderr: enqueued.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    await page.goto("/runs");
    await page.getByRole("button", { name: "Enqueue run" }).waitFor();
    const runPath = page.locator("table.runs .path", { hasText: runDir });
    await runPath.waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    // The path wraps at 14 characters or more, not a few letters per line (the table scrolls in its own box instead).
    const box = await runPath.boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(100);
    await screenshot(page, "narrow-runs");

    await runPath.locator("xpath=..").getByRole("link").click();
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.locator("h1 .badge", { hasText: "CANCELLED" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "narrow-run");

    await page.goto("/files");
    await page.getByRole("button", { name: "Apply filters" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "narrow-files");
  });
});
