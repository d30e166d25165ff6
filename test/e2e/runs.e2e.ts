import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { rowCells, type PageElement, type PageGlobals } from "./support/dom";
import { eventually, runWorkerOnce, screenshot, usePagePerTest } from "./support/browser";

/** 5 tests: 1 failure, 1 error, 1 skipped, so the bar shows 2 passed · 2 failed · 1 skipped. */
const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="e2e.Calculator" tests="5" failures="1" errors="1" skipped="1" time="7.5">
  <testcase name="adds" classname="e2e.Calculator" time="1"/>
  <testcase name="subtracts" classname="e2e.Calculator" time="1"/>
  <testcase name="divides" classname="e2e.Calculator" time="1"><failure message="expected 2 but was 3"/></testcase>
  <testcase name="overflows" classname="e2e.Calculator" time="1"><error message="boom"/></testcase>
  <testcase name="later" classname="e2e.Calculator" time="0"><skipped/></testcase>
</testsuite>
`;
const LOG = "x".repeat(3 * 1024 + 100);

/** The queue's row for run `id`. */
function runRow(page: Page, id: string): Locator {
  return page.locator(`tr[data-run-id="${id}"]`);
}

describe("runs and files", () => {
  const session = usePagePerTest({ signIn: true });
  let runDir: string;

  beforeAll(async () => {
    // A real run directory: a JUnit report in a subfolder and a log beside it.
    runDir = mkdtempSync(path.join(os.tmpdir(), "dashql-e2e-run-"));
    mkdirSync(path.join(runDir, "reports"));
    writeFileSync(path.join(runDir, "reports", "TEST-calculator.xml"), JUNIT);
    writeFileSync(path.join(runDir, "console.log"), LOG);
  });
  afterAll(async () => {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  test("a run enqueued from the form turns SUCCEEDED with its test bar after a worker runs, without a reload; its files are listed and filterable", async () => {
    const { page } = session.open;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { level: 1, name: "Runs" }).waitFor();

    await page.getByLabel("Run directory").fill(runDir);
    await page.getByLabel("Host").fill("e2e-host");
    await page.getByLabel("User tag").fill("nightly");
    // Every GraphQL request the page makes from the enqueue on, by operation name and time.
    const requests: { name: string; at: number }[] = [];
    page.on("request", (request) => {
      if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
      // The dashboard sends trusted documents by id, with the operation name beside it.
      const body = JSON.parse(request.postData() ?? "{}") as { operationName?: string };
      const name = body.operationName ?? "?";
      requests.push({ name, at: Date.now() });
    });
    await page.getByRole("button", { name: "Enqueue run" }).click();
    const done = page.locator(".success[role=status]");
    await done.waitFor();
    const match = /^Run #(\d+) \((.+)\) is QUEUED\.$/.exec((await done.innerText()).trim());
    expect(match).not.toBeNull();
    const id = match![1];
    expect(match![2]).toBe(runDir);

    const row = runRow(page, id);
    await eventually(async () => expect(await row.locator(".badge").innerText()).toBe("QUEUED"));
    // Live over the WebSocket: the page polls no more.
    await page.getByText("Live: this page updates as changes happen.").waitFor();
    await screenshot(page, "runs-queued");
    // The enqueue's own refresh of the list is done once no request has left for a while.
    await eventually(async () => expect(Date.now() - (requests.at(-1)?.at ?? 0)).toBeGreaterThan(1_000));
    expect(requests.map((r) => r.name).filter((n) => n !== "RunList")).toEqual(["EnqueueRun"]);
    const beforeWorker = requests.length;

    // Marks this document: a reload or a full navigation would lose the mark.
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).__e2eNoReload = true));
    const worker = await runWorkerOnce();
    expect({ code: worker.code, stderr: worker.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    await eventually(async () => expect(await row.locator(".badge").innerText()).toBe("SUCCEEDED"), 20_000);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__e2eNoReload)).toBe(true);
    // RUNNING, then SUCCEEDED with its summary, arrived over the socket: not one request (no polling) meanwhile.
    expect(requests.slice(beforeWorker)).toEqual([]);
    const bar = row.locator(".summary-bar");
    expect(await bar.getAttribute("aria-label")).toMatch(/2 passed.*2 failed.*1 skipped/);
    for (const seg of ["pass", "fail", "skip"]) {
      const box = await bar.locator(`.seg.${seg}`).boundingBox();
      expect(box?.width).toBeGreaterThan(0);
    }
    // Widths follow the shares: 2 passed and 2 failed are equal, 1 skipped is half of that.
    const widths = await bar.locator(".seg").evaluateAll((segs: PageElement[]) => segs.map((s) => s.getBoundingClientRect().width));
    expect(widths[0]).toBeCloseTo(widths[1], 0);
    expect(widths[2]).toBeCloseTo(widths[0] / 2, 0);
    await expect(row.locator(".summary-text").innerText()).resolves.toMatch(/2 passed · 2 failed · 1 skipped · 7\.5 s/);
    await expect(row.innerText()).resolves.toContain("e2e-host");
    await screenshot(page, "runs-succeeded");

    // The status filter.
    await page.getByLabel("Status").selectOption("QUEUED");
    await page.getByText("No QUEUED runs.").waitFor();
    await page.getByLabel("Status").selectOption("SUCCEEDED");
    await runRow(page, id).waitFor();

    // The run's own page lists the files its processing registered.
    await page.getByRole("link", { name: `#${id}`, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: new RegExp(`Run #${id}`) }).waitFor();
    const files = page.locator("table tbody tr");
    await eventually(async () => expect(await files.count()).toBe(2));
    const fileRows = await files.evaluateAll(rowCells);
    expect(fileRows).toEqual(
      expect.arrayContaining([
        [path.join(runDir, "reports", "TEST-calculator.xml"), "xml", expect.stringMatching(/^\d+ B$/)],
        [path.join(runDir, "console.log"), "log", "3.1 KiB"],
      ]),
    );
    await screenshot(page, "run-detail");

    // The files view, narrowed to this run's directory, then by type.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Files" }).click();
    await page.getByRole("heading", { level: 1, name: "Files" }).waitFor();
    const filters = page.getByRole("form", { name: "Filter files" });
    await filters.getByLabel("Run directory").fill(runDir);
    await filters.getByLabel("Host").fill("e2e-host");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    const fileNames = () => page.locator("table tbody th").allInnerTexts();
    await eventually(async () =>
      expect((await fileNames()).sort()).toEqual([path.join(runDir, "console.log"), path.join(runDir, "reports", "TEST-calculator.xml")]),
    );
    await screenshot(page, "files");

    await filters.getByLabel("Type").fill("xml");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await eventually(async () => expect(await fileNames()).toEqual([path.join(runDir, "reports", "TEST-calculator.xml")]));
    await screenshot(page, "files-xml");

    await filters.getByLabel("Type").fill(".log");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await eventually(async () => expect(await fileNames()).toEqual([path.join(runDir, "console.log")]));

    await filters.getByLabel("Host").fill("no-such-host");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No file matches these filters.").waitFor();
  });

  test("purging queued runs asks for confirmation, and deletes only after it", async () => {
    const { page } = session.open;
    await page.goto("/runs");
    const other = path.join(runDir, "not-yet");
    await page.getByLabel("Run directory").fill(other);
    await page.getByRole("button", { name: "Enqueue run" }).click();
    const done = page.locator(".success[role=status]");
    await done.waitFor();
    const id = /^Run #(\d+)/.exec(await done.innerText())![1];
    await eventually(async () => expect(await runRow(page, id).locator(".badge").innerText()).toBe("QUEUED"));

    await page.getByRole("button", { name: "Purge queued runs…" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Purge the queue?" });
    await dialog.waitFor();
    // Cancel has the focus: Enter right after opening deletes nothing.
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await expect(runRow(page, id).locator(".badge").innerText()).resolves.toBe("QUEUED");

    await page.getByRole("button", { name: "Purge queued runs…" }).click();
    // The default, now, purges every queued run whose time to live has not passed.
    await screenshot(page, "runs-purge-confirm");
    await dialog.getByRole("button", { name: "Yes, purge" }).click();
    await page.getByText(/^Purged \d+ queued runs?\.$/).waitFor();
    await eventually(async () => expect(await runRow(page, id).count()).toBe(0));
  });
});
