import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLocation } from "react-router";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { RegisterPage } from "./RegisterPage";
import { readAuth } from "./tokens";

const RECEIVED = { detail: "Registration received." };

function Where() {
  const location = useLocation();
  return <div>at {location.pathname}</div>;
}

async function fillAndSubmit() {
  await userEvent.type(screen.getByLabelText(/E-mail/), "trader@example.com");
  await userEvent.type(screen.getByLabelText(/Username/), "trader");
  await userEvent.type(screen.getByLabelText(/Password/), "Sturdy-Kettle-2048");
  await userEvent.click(screen.getByRole("button", { name: "Create account" }));
}

afterEach(() => vi.unstubAllGlobals());

describe("registering", () => {
  it("a new account is logged in and starts on its exchange accounts", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(jsonResponse(RECEIVED, 202)).mockResolvedValueOnce(jsonResponse({ user: USER, access: "a", refresh: "r" }));
    vi.stubGlobal("fetch", fetch);
    renderPage(<RegisterPage />, { path: "/register", route: "/register", extra: { "/accounts": <Where /> } });
    await fillAndSubmit();
    expect(await screen.findByText("at /accounts")).toBeInTheDocument();
    expect(fetch.mock.calls.map(([url]) => String(url))).toEqual([expect.stringMatching(/auth\/register$/), expect.stringMatching(/auth\/login$/)]);
    expect(readAuth()).toMatchObject({ access: "a", refresh: "r" });
  });

  it("an address that already had an account gets no session, only the check-your-mailbox note", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(jsonResponse(RECEIVED, 202)).mockResolvedValueOnce(jsonResponse({ detail: "Invalid e-mail or password." }, 401));
    vi.stubGlobal("fetch", fetch);
    renderPage(<RegisterPage />, { path: "/register", route: "/register", extra: { "/accounts": <Where /> } });
    await fillAndSubmit();
    expect(await screen.findByText("Check your mailbox")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Create account" })).not.toBeInTheDocument();
    expect(readAuth()).toBeNull();
  });
});
