import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLocation } from "react-router";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { LoginPage, safeNext } from "./LoginPage";
import { RequireAuth } from "./RequireAuth";
import { readAuth } from "./tokens";

function Where() {
  const location = useLocation();
  return <div>at {location.pathname + location.search}</div>;
}

afterEach(() => vi.unstubAllGlobals());

describe("logging in", () => {
  it("a page opened without a session sends the browser to login, remembering the page", async () => {
    renderPage(<RequireAuth />, { path: "/positions/g1?x=1", route: "/positions/:id", extra: { "/login": <Where /> } });
    expect(await screen.findByText("at /login?next=%2Fpositions%2Fg1%3Fx%3D1")).toBeInTheDocument();
  });

  it("after logging in, returns to the remembered page with the tokens stored", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ user: USER, access: "a", refresh: "r" })));
    renderPage(<LoginPage />, { path: "/login?next=%2Fpositions%2Fg1", route: "/login", extra: { "/positions/:id": <Where /> } });
    await userEvent.type(screen.getByLabelText(/E-mail/), "trader@example.com");
    await userEvent.type(screen.getByLabelText(/Password/), "Secret-password-1");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("at /positions/g1")).toBeInTheDocument();
    expect(readAuth()).toMatchObject({ access: "a", refresh: "r", user: { email: "trader@example.com" } });
  });

  it("says so when the password is wrong, and when the account is locked out", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(jsonResponse({ detail: "Invalid credentials" }, 401)).mockResolvedValueOnce(jsonResponse({ detail: "locked" }, 429, { "Retry-After": "120" }));
    vi.stubGlobal("fetch", fetch);
    renderPage(<LoginPage />, { path: "/login", route: "/login" });
    await userEvent.type(screen.getByLabelText(/E-mail/), "trader@example.com");
    await userEvent.type(screen.getByLabelText(/Password/), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong e-mail or password.");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Try again in 120 seconds."));
    expect(readAuth()).toBeNull();
  });

  it("never follows a next= that leaves the app", () => {
    expect(safeNext("//evil.example.com")).toBe("/");
    expect(safeNext("https://evil.example.com")).toBe("/");
    expect(safeNext("/logs?tab=errors")).toBe("/logs?tab=errors");
  });
});
