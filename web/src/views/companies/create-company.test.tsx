import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { gqlError, type FakeAnswer } from "../../test/fake-api";
import { renderSignedIn } from "../../test/render";

const detail = (id: string, name: string): FakeAnswer => ({
  data: { company: { id, name, ceo: null, businessType: null, createdAt: "2024-01-01T00:00:00Z", updatedAt: "2024-01-01T00:00:00Z", finances: [] } },
});

async function fillRow(row: number, values: { year?: string; q1?: string; q4?: string }) {
  const group = screen.getByRole("group", { name: `Year row ${row}` });
  if (values.year !== undefined) {
    const year = within(group).getByLabelText(/Year/);
    await userEvent.clear(year);
    await userEvent.type(year, values.year);
  }
  if (values.q1) await userEvent.type(within(group).getByLabelText("Q1"), values.q1);
  if (values.q4) await userEvent.type(within(group).getByLabelText("Q4"), values.q4);
}

describe("create company form", () => {
  it("creates the company with its finance rows in one mutation and opens its page", async () => {
    const { api } = renderSignedIn("/companies/new", {
      CreateCompanyWithFinances: () => ({ data: { createCompany: { id: "42", name: "Acme" } } }),
      CompanyDetail: () => detail("42", "Acme"),
    });
    await userEvent.type(await screen.findByLabelText(/^Name/), "  Acme ");
    await userEvent.type(screen.getByLabelText("CEO"), "Wile E.");
    await fillRow(1, { year: "2023", q1: "1,200.50", q4: "99" });
    await userEvent.click(screen.getByRole("button", { name: "Add a year" }));
    await fillRow(2, { q1: "7" });
    await userEvent.click(screen.getByRole("button", { name: "Create company" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Acme" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/companies/42");
    const calls = api.callsOf("CreateCompanyWithFinances");
    expect(calls).toHaveLength(1);
    expect(calls[0].variables).toEqual({
      input: {
        name: "Acme",
        ceo: "Wile E.",
        businessType: null,
        finances: [
          { year: 2023, q1Earnings: 1200.5, q2Earnings: null, q3Earnings: null, q4Earnings: 99 },
          { year: 2024, q1Earnings: 7, q2Earnings: null, q3Earnings: null, q4Earnings: null },
        ],
      },
    });
  });

  it("puts a BAD_USER_INPUT answer on the field it names", async () => {
    renderSignedIn("/companies/new", {
      CreateCompanyWithFinances: () =>
        gqlError("BAD_USER_INPUT", "finances[0].year must be an integer from 1900 to 2200 (got 1800)", { field: "finances[0].year" }),
    });
    await userEvent.type(await screen.findByLabelText(/^Name/), "Acme");
    await fillRow(1, { year: "1800" });
    await userEvent.click(screen.getByRole("button", { name: "Create company" }));

    const year = within(screen.getByRole("group", { name: "Year row 1" })).getByLabelText(/Year/);
    await waitFor(() => expect(year).toHaveAttribute("aria-invalid", "true"));
    expect(year).toHaveAccessibleDescription(/must be an integer from 1900 to 2200/);
    expect(screen.getByRole("alert")).toHaveTextContent("Year row 1, Year: finances[0].year must be an integer");
    await waitFor(() => expect(year).toHaveFocus());
    expect(window.location.pathname).toBe("/companies/new");
  });

  it("puts a CONFLICT answer on the name", async () => {
    renderSignedIn("/companies/new", {
      CreateCompanyWithFinances: () =>
        gqlError("CONFLICT", 'a company named "Stark Industries" already exists (names are unique regardless of case)', { field: "name" }),
    });
    await userEvent.type(await screen.findByLabelText(/^Name/), "stark industries");
    await userEvent.click(screen.getByRole("button", { name: "Create company" }));
    const name = screen.getByLabelText(/^Name/);
    await waitFor(() => expect(name).toHaveAttribute("aria-invalid", "true"));
    expect(name).toHaveAccessibleDescription(/already exists/);
  });

  it("checks what it can before sending: no request for an empty name or a non-number", async () => {
    const { api } = renderSignedIn("/companies/new", {});
    await screen.findByRole("group", { name: "Year row 1" });
    await fillRow(1, { q1: "lots" });
    await userEvent.click(screen.getByRole("button", { name: "Create company" }));
    expect(screen.getByLabelText(/^Name/)).toHaveAccessibleDescription("Enter the company's name.");
    expect(screen.getByRole("group", { name: "Year row 1" }).querySelector("[aria-invalid=true][name$=q1Earnings]")).not.toBeNull();
    expect(api.callsOf("CreateCompanyWithFinances")).toHaveLength(0);
  });

  it("shows an error that names no field at the top (FORBIDDEN)", async () => {
    renderSignedIn("/companies/new", {
      CreateCompanyWithFinances: () => gqlError("FORBIDDEN", "your role does not allow this"),
    });
    await userEvent.type(await screen.findByLabelText(/^Name/), "Acme");
    await userEvent.click(screen.getByRole("button", { name: "Create company" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("your role does not allow this");
  });

  it("tells a READER that creating is not for their role", async () => {
    renderSignedIn("/companies/new", {}, "READER");
    expect(await screen.findByText(/can read companies but not create them/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Create company" })).not.toBeInTheDocument();
  });
});
