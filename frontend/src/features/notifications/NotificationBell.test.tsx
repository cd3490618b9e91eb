import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { applyEvent } from "@/live/applyEvent";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { NotificationBell, unreadLabel } from "./NotificationBell";
import { notificationFixture } from "./testFixtures";
import { page, serve } from "./testServer";

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

const LATEST = [
  notificationFixture({ id: "n2", level: "warning", title: "Signal queued: SOL/USDT long", message: "The pool is full (3 of 3).", link: "/signals/s4" }),
  notificationFixture({ id: "n1" }),
];

function renderBell() {
  return renderPage(<NotificationBell />, {
    extra: { "/positions/:id": <p>position page</p>, "/notifications": <p>notifications page</p> },
  });
}

describe("the bell in the header", () => {
  it("shows the unread count and follows the live events", async () => {
    serve({ "GET notifications/unread-count": () => jsonResponse({ unread: 2 }) });
    const { client } = renderBell();

    const bell = await screen.findByRole("button", { name: "Notifications: 2 unread" });
    expect(screen.getByTestId("unread-count")).toHaveTextContent("2");
    act(() =>
      applyEvent(client, {
        type: "notification.created",
        data: { id: "n3", type: "leg_filled", level: "info", title: "Leg 3 filled", message: "", link: "/positions/g1", created_at: "2026-12-06T11:00:00Z", unread_count: 3 },
      }),
    );
    await waitFor(() => expect(bell).toHaveAccessibleName("Notifications: 3 unread"));
    expect(bell).toHaveAttribute("data-unread", "3");
    expect(screen.getByTestId("unread-count")).toHaveTextContent("3");
  });

  it("lists the latest unread, marks them all read and leads to the page", async () => {
    let unread = 2;
    const requests = serve({
      "GET notifications/unread-count": () => jsonResponse({ unread }),
      "GET notifications": (_, query) => jsonResponse(query.get("unread_only") === "true" && unread ? page(LATEST) : page([])),
      "POST notifications/read-all": () => ((unread = 0), jsonResponse({ marked: 2 })),
    });
    const user = userEvent.setup();
    renderBell();

    await user.click(await screen.findByRole("button", { name: "Notifications: 2 unread" }));
    const dialog = await screen.findByRole("dialog", { name: "Unread notifications" });
    const list = within(dialog).getByRole("list", { name: "Latest unread" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(within(list).getByText("Signal queued: SOL/USDT long")).toBeInTheDocument();
    expect(within(list).getByText("Warning")).toBeInTheDocument();
    const asked = requests.find((r) => r.path === "notifications");
    expect(asked?.query.get("unread_only")).toBe("true");
    expect(asked?.query.get("page_size")).toBe("8");

    await user.click(screen.getByRole("button", { name: "Mark all read" }));
    expect(await screen.findByText("You are all caught up.")).toBeInTheDocument();
    expect(requests.some((r) => r.method === "POST" && r.path === "notifications/read-all")).toBe(true);
    await waitFor(() => expect(screen.getByTestId("notification-bell")).toHaveAccessibleName("Notifications: none unread"));

    await user.click(screen.getByRole("link", { name: "See all notifications" }));
    expect(await screen.findByText("notifications page")).toBeInTheDocument();
  });

  it("opens what a notification is about and marks it read", async () => {
    let unread = 2;
    const requests = serve({
      "GET notifications/unread-count": () => jsonResponse({ unread }),
      "GET notifications": () => jsonResponse(page(LATEST)),
      "POST notifications/n1/read": () => ((unread = 1), jsonResponse({ ...LATEST[1], read_at: "2026-12-06T11:00:00Z" })),
    });
    const user = userEvent.setup();
    renderBell();

    await user.click(await screen.findByRole("button", { name: "Notifications: 2 unread" }));
    await user.click(await screen.findByRole("link", { name: "Leg 2 of BTC/USDT long filled" }));
    expect(await screen.findByText("position page")).toBeInTheDocument();
    await waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === "notifications/n1/read")).toBe(true));
  });

  it("writes a large count short", () => {
    expect(unreadLabel(7)).toBe("7");
    expect(unreadLabel(100)).toBe("99+");
  });
});
