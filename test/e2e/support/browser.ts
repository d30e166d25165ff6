import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { runCli, type CliResult } from "../../support/paths";
import { ARTIFACTS, dashqlEnv } from "./server";

/** Debian's chromium; `npx playwright install` cannot download browsers here (scripts/ensure-chromium.sh installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface E2EEnv {
  baseUrl: string;
  dataDir: string;
  demoToken: string;
}

/** The server started by global-setup.ts. */
export function e2eEnv(): E2EEnv {
  const { E2E_BASE_URL, E2E_DATA_DIR, E2E_DEMO_TOKEN } = process.env;
  if (!E2E_BASE_URL || !E2E_DATA_DIR || !E2E_DEMO_TOKEN) {
    throw new Error("the e2e server is not running: run the specs with `npm run test:e2e` (test/e2e/jest.e2e.config.js)");
  }
  return { baseUrl: E2E_BASE_URL, dataDir: E2E_DATA_DIR, demoToken: E2E_DEMO_TOKEN };
}

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH to a Chromium binary)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page and requests to other origins: a spec fails when any happened. */
  errors: string[];
}

/**
 * A fresh context (its own session storage, so no sign-in leaks between specs) and
 * page on the server. Nothing may leave the origin: the app works offline (no CDN),
 * so a request to another host fails the spec that made it.
 */
export async function openPage(browser: Browser, options: { width?: number; height?: number } = {}): Promise<OpenPage> {
  const { baseUrl } = e2eEnv();
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    locale: "en-US",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(15_000);
  const errors: string[] = [];
  const origin = new URL(baseUrl).origin;
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    errors.push(`request left the origin: ${url}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(`uncaught in page: ${error.message}`));
  return { context, page, errors };
}

/** Saves a full-page screenshot to test/artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in with the demo key the development server offers, as a first-time user would. */
export async function signInWithDemoKey(page: Page): Promise<void> {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with the demo key" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Runs `dashql ARGS` (with `input` on stdin) against the server's database (DATA_DIR: it attaches to the server's PostgreSQL). */
export function runDashql(args: string[], input?: string): Promise<CliResult> {
  return runCli(args, { env: dashqlEnv(e2eEnv().dataDir), input, timeoutMs: 60_000 });
}

/** `dashql work --once` as a separate process on the server's DATA_DIR (it attaches to the server's PostgreSQL). */
export function runWorkerOnce(): Promise<CliResult> {
  return runDashql(["work", "--once"]);
}

/**
 * Retries `check` (jest expectations on what the page shows) until it passes or
 * `timeoutMs` runs out, then throws its last failure: playwright-core has no
 * auto-retrying `expect`, and the app renders asynchronously.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The hooks of a describe block that drives the dashboard: one browser for the
 * block, a fresh page (its own context) per test, signed in with the demo key when
 * `signIn`, and no page errors after each test. Tests read `session.open`.
 */
export function usePagePerTest(options: { signIn?: boolean } = {}): { readonly open: OpenPage } {
  let browser: Browser | undefined;
  const session = {} as { open: OpenPage };
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    session.open = await openPage(browser!);
    if (options.signIn) await signInWithDemoKey(session.open.page);
  });
  afterEach(async () => {
    await session.open.context.close();
    expect(session.open.errors).toEqual([]);
  });
  return session;
}
