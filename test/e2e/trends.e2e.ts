import type { Browser, Page } from "playwright-core";
import type { PageGlobals } from "./support/dom";
import { eventually, launchBrowser, openPage, runDashql, screenshot, signInWithDemoKey } from "./support/browser";

/**
 * The Trends view against a real server: runs loaded on hosts only this spec
 * uses, on days 3 and 12 before today (UTC, the browser's zone here); the charts'
 * <desc> and tooltips must show the figures computed here from those rows.
 */

interface Run {
  created_at: string;
  host: string;
  status: "SUCCEEDED" | "FAILED";
  summary: { tests: number; failures: number; errors: number; skipped: number; durationSeconds: number };
}

const DAY = 86_400_000;
const todayUtc = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const dayStart = (daysAgo: number) => todayUtc - daysAgo * DAY;
const label = (ms: number) => new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(ms));

const RUNS: Run[] = [
  { created_at: new Date(dayStart(12) + 3_600_000).toISOString(), host: "e2e-trends-a", status: "SUCCEEDED", summary: { tests: 50, failures: 0, errors: 0, skipped: 5, durationSeconds: 12 } },
  { created_at: new Date(dayStart(12) + 7_200_000).toISOString(), host: "e2e-trends-b", status: "FAILED", summary: { tests: 30, failures: 6, errors: 1, skipped: 0, durationSeconds: 8 } },
  { created_at: new Date(dayStart(3) + 600_000).toISOString(), host: "e2e-trends-b", status: "FAILED", summary: { tests: 40, failures: 9, errors: 0, skipped: 2, durationSeconds: 20 } },
  { created_at: new Date(dayStart(3) + 80_000_000).toISOString(), host: "e2e-trends-a", status: "SUCCEEDED", summary: { tests: 10, failures: 1, errors: 0, skipped: 0, durationSeconds: 2 } },
];

/** The pass rate of a day as the contract defines it, from the raw rows. */
function passRate(daysAgo: number): string {
  const rows = RUNS.filter((r) => Date.parse(r.created_at) >= dayStart(daysAgo) && Date.parse(r.created_at) < dayStart(daysAgo) + DAY);
  const sum = (k: keyof Run["summary"]) => rows.reduce((s, r) => s + r.summary[k], 0);
  return `${(((sum("tests") - sum("failures") - sum("errors") - sum("skipped")) / (sum("tests") - sum("skipped"))) * 100).toFixed(1)}%`;
}

function failures(host: string): string {
  const rows = RUNS.filter((r) => r.host === host);
  return `${host}: ${rows.reduce((s, r) => s + r.summary.failures, 0)} failures in ${rows.length} runs`;
}

const figureDesc = (page: Page, name: RegExp) => page.getByRole("figure", { name }).locator("svg desc").textContent();

/** Smallest rendered font size (CSS px) of the visible chart text: its computed size times the SVG's scale. */
async function smallestChartText(page: Page): Promise<{ size: number; text: string }> {
  const sizes = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
    const win = globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } };
    return Array.from(doc.querySelectorAll(".chart svg text"))
      .filter((text) => (text.textContent ?? "").trim() !== "" && text.getBoundingClientRect().width > 0)
      .map((text) => {
        const svg = text.ownerSVGElement;
        const viewBox = svg.viewBox.baseVal;
        const scale = viewBox && viewBox.width ? svg.getBoundingClientRect().width / viewBox.width : 1;
        return { size: parseFloat(win.getComputedStyle(text).fontSize) * scale, text: String(text.textContent) };
      });
  });
  expect(sizes.length).toBeGreaterThan(0);
  return sizes.reduce((a, b) => (b.size < a.size ? b : a));
}

describe("trends", () => {
  let browser: Browser;

  beforeAll(async () => {
    const rows = JSON.stringify(RUNS.map((r, i) => ({ ...r, run_dir: `/e2e/trends/${i}` })));
    const script =
      `await em.query("INSERT INTO queue_item (created_at, time_to_live, run_dir, owner, host, status, started_at, finished_at, summary) ` +
      `SELECT r.created_at, r.created_at + interval '1 day', r.run_dir, 'e2e', r.host, r.status, r.created_at, r.created_at + interval '1 minute', r.summary ` +
      `FROM jsonb_to_recordset($1::jsonb) AS r(created_at timestamptz, run_dir text, host text, status text, summary jsonb)", [${JSON.stringify(rows)}]); console.log("loaded")\n`;
    const loaded = await runDashql(["shell"], script);
    expect(loaded.stdout).toContain("loaded");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [1280, 375]) {
    test(`the charts show the figures of the loaded runs, page-sized text at ${width} px`, async () => {
      const open = await openPage(browser, { width, height: 900 });
      const { page } = open;
      try {
        await signInWithDemoKey(page);
        await page.getByRole("link", { name: "Trends" }).click();
        await page.getByRole("heading", { name: "Trends", level: 1 }).waitFor();

        const passDesc = await eventually(async () => {
          const desc = await figureDesc(page, /Pass rate per day/);
          expect(desc).toContain(`${label(dayStart(12))}: ${passRate(12)}`);
          return desc!;
        });
        expect(passDesc).toContain(`${label(dayStart(3))}: ${passRate(3)}`);
        await eventually(async () => {
          const desc = await figureDesc(page, /Failed tests by host/);
          expect(desc).toContain(failures("e2e-trends-b"));
          expect(desc).toContain(failures("e2e-trends-a"));
        });
        await eventually(async () => expect(await figureDesc(page, /Runs per day by status/)).toContain(`${label(dayStart(12))}: SUCCEEDED 1, FAILED 1`));

        // The tooltip: keyboard focus on the e2e-trends-b bar shows its exact figure.
        const bar = page.getByRole("figure", { name: /Failed tests by host/ }).locator('[aria-label^="e2e-trends-b:"]');
        await bar.focus();
        await eventually(async () =>
          expect(await page.getByRole("figure", { name: /Failed tests by host/ }).locator(".chart-tooltip").textContent()).toBe("e2e-trends-b: 15 failed tests"),
        );

        expect((await smallestChartText(page)).size).toBeGreaterThanOrEqual(11);
        const overflow = await page.evaluate(() => {
          const { document } = globalThis as unknown as PageGlobals;
          return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth;
        });
        await screenshot(page, `trends-${width}`);
        expect(overflow).toBe(0);

        // The Companies page's chart: the demo companies' totals per year by business type.
        await page.getByRole("link", { name: "Companies" }).click();
        const earnings = page.getByRole("figure", { name: /Total earnings per year by business type/ });
        await earnings.scrollIntoViewIfNeeded();
        await eventually(async () => expect(await earnings.locator(".chart-bar").count()).toBeGreaterThan(0));
        expect((await smallestChartText(page)).size).toBeGreaterThanOrEqual(11);
        await screenshot(page, `companies-earnings-${width}`);
      } finally {
        await open.context.close();
        expect(open.errors).toEqual([]);
      }
    });
  }
});
