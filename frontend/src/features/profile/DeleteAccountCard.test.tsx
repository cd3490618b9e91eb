import { Notifications } from "@mantine/notifications";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useLocation } from "react-router";
import { readAuth, writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { DeleteAccountCard } from "./DeleteAccountCard";

function LoginStandIn() {
  const location = useLocation();
  return (
    <>
      <Notifications />
      <div>at {location.pathname}</div>
    </>
  );
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

async function fillIn({ positions = "Close them", password = "Secret-password-1", typed = "trader" } = {}) {
  await userEvent.click(screen.getByRole("radio", { name: new RegExp(positions) }));
  await userEvent.type(screen.getByLabelText(/Your password/), password);
  await userEvent.type(screen.getByLabelText(/to confirm/), typed);
}

describe("deleting my account", () => {
  it("stays disabled until a choice, the password and the username are given", async () => {
    renderPage(<DeleteAccountCard />, { path: "/profile" });
    const button = screen.getByRole("button", { name: "Delete my account" });
    expect(button).toBeDisabled();
    await fillIn({ typed: "trade" });
    expect(button).toBeDisabled();
    await userEvent.type(screen.getByLabelText(/to confirm/), "r");
    expect(button).toBeEnabled();
  });

  it("sends the password and the choice, then logs out to the login page with a message", async () => {
    const fetch = vi.fn(async () =>
      jsonResponse({ deleted_at: "2026-12-06T10:00:00Z", erase_after: "2027-01-05T10:00:00Z" }),
    );
    vi.stubGlobal("fetch", fetch);
    renderPage(<DeleteAccountCard />, { path: "/profile", extra: { "/login": <LoginStandIn /> } });
    await fillIn({ positions: "Leave them" });
    await userEvent.click(screen.getByRole("button", { name: "Delete my account" }));

    expect(await screen.findByText("at /login")).toBeInTheDocument();
    expect(screen.getAllByText(/Your account is deleted/).length).toBeGreaterThan(0);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/me");
    expect(init.method).toBe("DELETE");
    expect(JSON.parse(init.body as string)).toEqual({ password: "Secret-password-1", positions: "leave" });
    expect(readAuth()).toBeNull();
  });

  it("shows a wrong password next to the field and keeps me logged in", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse({ detail: "password: wrong", code: "invalid", errors: { password: ["The password is not correct."] } }, 400),
      ),
    );
    renderPage(<DeleteAccountCard />, { path: "/profile" });
    await fillIn();
    await userEvent.click(screen.getByRole("button", { name: "Delete my account" }));

    expect(await screen.findByText("The password is not correct.")).toBeInTheDocument();
    expect(readAuth()).not.toBeNull();
  });

  it("says why when I am the last admin", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse({ detail: "You are the last admin", code: "invalid", errors: { non_field_errors: ["You are the last admin"] } }, 400),
      ),
    );
    renderPage(<DeleteAccountCard />, { path: "/profile" });
    await fillIn();
    await userEvent.click(screen.getByRole("button", { name: "Delete my account" }));

    expect(await screen.findByText("You are the last admin")).toBeInTheDocument();
  });
});
