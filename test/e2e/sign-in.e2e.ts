import type { PageGlobals } from "./support/dom";
import { e2eEnv, eventually, runDashql, screenshot, usePagePerTest } from "./support/browser";

const STORAGE_KEY = "dashql.apiKey";

describe("signing in to the dashboard", () => {
  const session = usePagePerTest({ signIn: false });


  test("the development server offers its demo key, and signing in with it opens the companies", async () => {
    const { page } = session.open;
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to dashql" }).waitFor();
    const demoButton = page.getByRole("button", { name: "Sign in with the demo key" });
    await demoButton.waitFor();
    await screenshot(page, "sign-in");

    await demoButton.click();
    await page.getByRole("heading", { name: "Companies" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/companies");
    await expect(page.locator("header .who").innerText()).resolves.toMatch(/demo\s+ADMIN/);
    expect(await page.evaluate((key) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(key), STORAGE_KEY)).toBe(e2eEnv().demoToken);
  });

  test("a refused key is reported on the field; a pasted READER key signs in without write actions, survives a reload, and sign-out forgets it", async () => {
    const { page } = session.open;
    // A second user and key, made with the CLI as an operator would.
    const username = `e2e-reader-${Date.now().toString(36)}`;
    const user = await runDashql(["users", "create", username, "--role", "READER"]);
    expect({ code: user.code, stderr: user.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const key = await runDashql(["keys", "create", username, "--name", "e2e"]);
    expect({ code: key.code, stderr: key.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const token = key.stdout.trim().split("\n").pop()!;
    expect(token).not.toBe(e2eEnv().demoToken);

    await page.goto("/");
    const keyInput = page.getByLabel("API key");
    await keyInput.fill("dq_this-key-does-not-exist-0000000000");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "This API key was not accepted" }).waitFor();
    expect(await keyInput.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "sign-in-refused");

    await keyInput.fill(token);
    await keyInput.press("Enter");
    await page.getByRole("link", { name: "Stark Industries" }).waitFor();
    await expect(page.locator("header .who").innerText()).resolves.toMatch(new RegExp(`${username}\\s+READER`));
    // A READER reads everything and is offered no action the server would refuse.
    expect(await page.getByRole("link", { name: "New company" }).count()).toBe(0);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { level: 1, name: "Runs" }).waitFor();
    // The form and the purge button render with the heading (they do not wait for the queue), so their absence is final.
    expect(await page.getByRole("button", { name: "Enqueue run" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Purge queued runs…" }).count()).toBe(0);

    // The key lives in session storage: a reload of the tab keeps the user signed in.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Runs" }).waitFor();
    await expect(page.locator("header .who").innerText()).resolves.toContain(username);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to dashql" }).waitFor();
    expect(await page.evaluate((k) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(k), STORAGE_KEY)).toBeNull();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to dashql" }).waitFor();
    await eventually(async () => expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0));
  });
});
