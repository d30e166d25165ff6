import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../app";
import { gqlError, installFakeApi } from "../test/fake-api";
import { renderSignedIn, TEST_KEY } from "../test/render";
import { STORAGE_KEY } from "./session";

const companies = () => ({
  data: { companies: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } },
});

describe("sign-in", () => {
  it("offers the development demo key and signs in with it", async () => {
    const api = installFakeApi(
      { Me: () => ({ data: { me: { id: "1", username: "demo", role: "ADMIN" } } }), CompanyList: companies },
      { demoKey: "dq_demo_key" },
    );
    render(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign in with the demo key" }));
    expect(await screen.findByRole("heading", { name: "Companies" })).toBeInTheDocument();
    expect(screen.getByText("demo")).toBeInTheDocument();
    expect(sessionStorage.getItem(STORAGE_KEY)).toBe("dq_demo_key");
    expect(api.callsOf("Me")[0].authorization).toBe("Bearer dq_demo_key");
  });

  it("offers no demo key when the server has none (production)", async () => {
    installFakeApi({});
    render(<App />);
    expect(await screen.findByLabelText("API key")).toBeInTheDocument();
    // the demo-key request has been answered (404) once the effect settles
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(screen.queryByRole("button", { name: /demo key/ })).not.toBeInTheDocument();
  });

  it("keeps the user on the form with a message when the key is refused", async () => {
    installFakeApi({ Me: () => ({ ...gqlError("UNAUTHENTICATED", "unknown API key"), status: 401 }) });
    render(<App />);
    await userEvent.type(await screen.findByLabelText("API key"), "dq_wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This API key was not accepted");
    expect(screen.getByLabelText("API key")).toHaveAttribute("aria-invalid", "true");
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("asks for a key before sending anything when the field is empty", async () => {
    const api = installFakeApi({});
    render(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Paste an API key.");
    expect(api.calls).toHaveLength(0);
  });

  it("signs out: forgets the key and shows the form again", async () => {
    renderSignedIn("/companies", { CompanyList: companies });
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByLabelText("API key")).toBeInTheDocument();
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("returns to the form when a stored key has been revoked", async () => {
    sessionStorage.setItem(STORAGE_KEY, TEST_KEY);
    installFakeApi({ Me: () => ({ ...gqlError("UNAUTHENTICATED", "revoked"), status: 401 }) });
    render(<App />);
    expect(await screen.findByText(/stored API key was not accepted/)).toBeInTheDocument();
    expect(sessionStorage.getItem(STORAGE_KEY)).toBeNull();
  });
});
