import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import NotificationsPage from "./NotificationsPage";
import { notificationFixture, preferencesFixture } from "./testFixtures";
import { page, serve, type Recorded } from "./testServer";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

const ROWS = [
  notificationFixture({ id: "n3", type: "daily_loss_breaker", level: "critical", title: "Daily loss breaker tripped", message: "Down 5.2 % today: new entries stop until tomorrow.", link: "/risk" }),
  notificationFixture({ id: "n2", type: "key_invalid", level: "error", title: "Your Binance key failed validation", message: "Invalid API-key, IP, or permissions.", link: "" }),
  notificationFixture({
    id: "n1",
    type: "leg_filled",
    level: "info",
    title: "3 legs filled",
    message: "BTC/USDT long leg 2 at 61,250\nETH/USDT long leg 1 at 3,100\nSOL/USDT long leg 3 at 142",
    read_at: "2026-12-06T10:05:00Z",
  }),
];

function answers(rows = ROWS, extra = {}) {
  return {
    "GET notifications/unread-count": () => jsonResponse({ unread: rows.filter((r) => !r.read_at).length }),
    "GET notification-preferences": () => jsonResponse(preferencesFixture()),
    "GET notifications": (_: unknown, query: URLSearchParams) => {
      const type = query.get("type");
      const unreadOnly = query.get("unread_only") === "true";
      return jsonResponse(page(rows.filter((r) => (!type || r.type === type) && (!unreadOnly || !r.read_at))));
    },
    ...extra,
  };
}

const lastList = (requests: Recorded[]) => requests.filter((r) => r.method === "GET" && r.path === "notifications").at(-1)!;

describe("the notifications page", () => {
  it("lists every notification with its level, type, link and whether it is read", async () => {
    serve(answers());
    renderPage(<NotificationsPage />, { path: "/notifications" });

    const list = await screen.findByRole("list", { name: "Notifications" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveAttribute("data-level", "critical");
    expect(within(items[0]!).getByText("Critical")).toBeInTheDocument();
    expect(within(items[0]!).getByRole("link", { name: "Daily loss breaker tripped" })).toHaveAttribute("href", "/risk");
    expect(await within(items[0]!).findByText(/Daily loss breaker tripped ·/)).toBeInTheDocument();
    expect(within(items[0]!).getByText("Unread")).toBeInTheDocument();
    // Without a link, the title is plain text.
    expect(within(items[1]!).queryByRole("link")).toBeNull();
    expect(within(items[1]!).getByText("Error")).toBeInTheDocument();
    // A read one: no "Unread", no button; a grouped burst keeps its lines.
    expect(within(items[2]!).queryByText("Unread")).toBeNull();
    expect(within(items[2]!).queryByRole("button", { name: /Mark/ })).toBeNull();
    expect(within(items[2]!).getByText(/ETH\/USDT long leg 1 at 3,100/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Mark all read (2)" })).toBeEnabled();
  });

  it("marks one read, then all", async () => {
    let rows = ROWS;
    const requests = serve(
      answers(undefined, {
        "GET notifications/unread-count": () => jsonResponse({ unread: rows.filter((r) => !r.read_at).length }),
        "GET notifications": () => jsonResponse(page(rows)),
        "POST notifications/n2/read": () => {
          rows = rows.map((r) => (r.id === "n2" ? { ...r, read_at: "2026-12-06T11:00:00Z" } : r));
          return jsonResponse(rows[1]);
        },
        "POST notifications/read-all": () => {
          rows = rows.map((r) => ({ ...r, read_at: r.read_at ?? "2026-12-06T11:01:00Z" }));
          return jsonResponse({ marked: 1 });
        },
      }),
    );
    const user = userEvent.setup();
    renderPage(<NotificationsPage />, { path: "/notifications" });

    await user.click(await screen.findByRole("button", { name: "Mark “Your Binance key failed validation” read" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Mark all read (1)" })).toBeInTheDocument());
    expect(screen.queryByRole("button", { name: "Mark “Your Binance key failed validation” read" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Mark all read (1)" }));
    await waitFor(() => expect(screen.getAllByTestId("notification").filter((row) => row.hasAttribute("data-unread"))).toHaveLength(0));
    expect(screen.getByRole("button", { name: "Mark all read" })).toBeDisabled();
    expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["notifications/n2/read", "notifications/read-all"]);
  });

  it("filters by unread and by type, in the address", async () => {
    const requests = serve(answers());
    const user = userEvent.setup();
    renderPage(<NotificationsPage />, { path: "/notifications" });
    await screen.findByRole("list", { name: "Notifications" });

    await user.click(screen.getByRole("radio", { name: "Unread" }));
    await waitFor(() => expect(lastList(requests).query.get("unread_only")).toBe("true"));
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(2));

    await user.click(screen.getByRole("textbox", { name: "Type" }));
    await user.click(await screen.findByRole("option", { name: "Exchange key failed validation", hidden: true }));
    await waitFor(() => expect(lastList(requests).query.get("type")).toBe("key_invalid"));
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(1));
    expect(screen.getByText("Your Binance key failed validation")).toBeInTheDocument();
  });

  it("says what will appear here when there is nothing yet, and when a filter finds nothing", async () => {
    serve(answers([]));
    renderPage(<NotificationsPage />, { path: "/notifications" });
    const empty = await screen.findByTestId("notifications-empty");
    expect(empty).toHaveTextContent("No notification yet.");
    expect(empty).toHaveTextContent(/a signal refused or queued, a position opened, legs filled/);
    expect(within(empty).getByRole("link", { name: "notification settings" })).toHaveAttribute("href", "/notifications/settings");
  });

  it("offers a filtered empty list a way back", async () => {
    serve(answers([]));
    const user = userEvent.setup();
    renderPage(<NotificationsPage />, { path: "/notifications?show=unread" });
    const empty = await screen.findByTestId("notifications-empty");
    expect(empty).toHaveTextContent("Nothing unread here.");
    await user.click(within(empty).getByRole("button", { name: "Show every notification" }));
    expect(await screen.findByText("No notification yet.")).toBeInTheDocument();
  });
});
