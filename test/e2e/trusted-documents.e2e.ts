import type { Browser } from "playwright-core";
import { e2eEnv, eventually, launchBrowser, openPage, runDashql, screenshot, type OpenPage } from "./support/browser";

/**
 * The e2e server runs with TRUSTED_DOCUMENTS_ONLY=true (support/server.ts): the
 * dashboard must work for a non-ADMIN key on the documents its build trusts, and
 * it sends their ids, never query text.
 */
describe("the dashboard on a server that runs trusted documents only", () => {
  let browser: Browser;
  let open: OpenPage;
  let token: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    const username = `e2e-writer-${Date.now().toString(36)}`;
    expect((await runDashql(["users", "create", username, "--role", "WRITER"])).code).toBe(0);
    const key = await runDashql(["keys", "create", username, "--name", "e2e"]);
    expect(key.code).toBe(0);
    token = key.stdout.trim().split("\n").pop()!;
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    open = await openPage(browser);
  });
  afterEach(async () => {
    await open.context.close();
    expect(open.errors).toEqual([]);
  });

  test("a WRITER browses and creates a company; every request carries a documentId and no query text", async () => {
    const { page } = open;
    const bodies: Record<string, unknown>[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/graphql" && request.method() === "POST") bodies.push(JSON.parse(request.postData() ?? "{}"));
    });
    await page.goto("/");
    await page.getByLabel("API key").fill(token);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Companies" }).waitFor();
    await page.getByRole("link", { name: "Stark Industries" }).click();
    await page.getByRole("heading", { level: 1, name: "Stark Industries" }).waitFor();

    const name = `Trusted Co ${Date.now().toString(36)}`;
    await page.goto("/companies/new");
    await page.getByRole("heading", { name: "New company" }).waitFor();
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Create company" }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await screenshot(page, "trusted-documents-company-created");

    await eventually(() => expect(bodies.length).toBeGreaterThanOrEqual(4));
    for (const body of bodies) {
      expect(body).toEqual(expect.objectContaining({ documentId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }));
      expect(body).not.toHaveProperty("query");
    }
    expect(new Set(bodies.map((b) => b.operationName))).toEqual(
      new Set(["Me", "CompanyList", "EarningsByBusinessType", "CompanyDetail", "CreateCompanyWithFinances"]),
    );
  });

  test("the same key sending its own query text is refused with OPERATION_NOT_TRUSTED", async () => {
    const res = await fetch(new URL("/graphql", e2eEnv().baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ companies { nodes { name } } }" }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("OPERATION_NOT_TRUSTED");
  });
});
