import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys } from "@/api/keys";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import NotificationSettingsPage from "./NotificationSettingsPage";
import { preferencesFixture } from "./testFixtures";
import { serve } from "./testServer";
import type { Preferences } from "./types";

afterEach(() => vi.unstubAllGlobals());

function login(role: "trader" | "admin" = "trader") {
  writeAuth({ access: "a", refresh: "r", user: { ...USER, role } });
}

/** What the form sends back: all but the catalogue and the chat id (only the link flow sets it). */
function sentBack(prefs: Preferences) {
  const { catalogue: _catalogue, telegram_chat_id: _chat, ...rest } = prefs;
  return rest;
}

describe("the notification settings", () => {
  it("shows the types by category, the admins' only to admins", async () => {
    login("trader");
    serve({ "GET notification-preferences": () => jsonResponse(preferencesFixture()) });
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    const table = await screen.findByRole("table", { name: "Notification types by channel" });
    expect(within(table).getByRole("columnheader", { name: "Trading" })).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Trading service" })).toBeInTheDocument();
    expect(within(table).queryByRole("columnheader", { name: "Administration" })).toBeNull();
    expect(within(table).queryByText("ML job failed")).toBeNull();
    expect(within(table).getByRole("switch", { name: "Leg filled: E-mail" })).not.toBeChecked();
    expect(within(table).getByRole("switch", { name: "Signal refused: E-mail" })).toBeChecked();
  });

  it("shows admin-only types to an admin", async () => {
    login("admin");
    serve({ "GET notification-preferences": () => jsonResponse(preferencesFixture()) });
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });
    const table = await screen.findByRole("table", { name: "Notification types by channel" });
    expect(within(table).getByRole("columnheader", { name: "Administration" })).toBeInTheDocument();
    expect(within(table).getByRole("switch", { name: "ML job failed: Telegram" })).toBeInTheDocument();
  });

  it("saves every field: channels, switches, levels, quiet hours and the summary", async () => {
    login();
    const requests = serve({
      "GET notification-preferences": () => jsonResponse(preferencesFixture()),
      "PUT notification-preferences": (body) => jsonResponse({ ...preferencesFixture(), ...(body as object) }),
    });
    const user = userEvent.setup();
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    await user.click(await screen.findByRole("switch", { name: "Leg filled: Telegram" }));
    const address = screen.getByLabelText("E-mail address");
    await user.clear(address);
    await user.type(address, "desk@example.com");
    const telegramLevel = screen.getByRole("textbox", { name: "Minimum level: Telegram" });
    await user.click(telegramLevel);
    await waitFor(() => expect(telegramLevel).toHaveAttribute("aria-controls"));
    const choices = document.getElementById(telegramLevel.getAttribute("aria-controls")!)!;
    await user.click(within(choices).getByRole("option", { name: "Error and above", hidden: true }));
    await user.click(screen.getByRole("switch", { name: /Hold e-mail and Telegram during quiet hours/ }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "23:00" } });
    fireEvent.change(screen.getByLabelText("Until"), { target: { value: "06:30" } });
    await user.click(screen.getByRole("switch", { name: /Critical still comes through/ }));
    await user.click(screen.getByRole("switch", { name: /Send a summary of the day/ }));
    fireEvent.change(screen.getByLabelText("Summary time"), { target: { value: "19:00" } });
    expect(screen.getByTestId("unsaved")).toBeInTheDocument();
    await user.click(screen.getAllByRole("button", { name: "Save" })[0]!);

    await waitFor(() => expect(screen.queryByTestId("unsaved")).toBeNull());
    const put = requests.find((r) => r.method === "PUT");
    const expected = sentBack(preferencesFixture());
    expect(put?.body).toEqual({
      ...expected,
      email_address: "desk@example.com",
      types: { ...expected.types, leg_filled: { in_app: true, email: false, telegram: true } },
      min_level: { in_app: "info", email: "warning", telegram: "error" },
      quiet_hours_start: "23:00",
      quiet_hours_end: "06:30",
      critical_through_quiet: false,
      daily_summary_time: "19:00",
    });
  });

  it("shows the server's errors at their fields, dotted ones too, and keeps what was typed", async () => {
    login();
    serve({
      "GET notification-preferences": () => jsonResponse(preferencesFixture({ quiet_hours_start: "22:00:00", quiet_hours_end: "07:00:00" })),
      "PUT notification-preferences": () =>
        jsonResponse(
          {
            detail: "Invalid input.",
            code: "invalid",
            errors: {
              email_address: ["Enter a valid email address."],
              "types.leg_filled": ["Telegram is not linked."],
              min_level: { telegram: ["Not a level: loud."] },
              timezone: ["Unknown time zone: Mars/Olympus."],
            },
          },
          400,
        ),
    });
    const user = userEvent.setup();
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    const address = await screen.findByLabelText("E-mail address");
    await user.clear(address);
    await user.type(address, "desk@");
    expect(screen.getByLabelText("From")).toHaveValue("22:00");
    await user.click(screen.getAllByRole("button", { name: "Save" })[0]!);

    expect(await screen.findByText("Enter a valid email address.")).toBeInTheDocument();
    expect(screen.getByLabelText("E-mail address")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("E-mail address")).toHaveValue("desk@");
    const row = screen.getByRole("row", { name: /Leg filled/ });
    expect(within(row).getByText("Telegram is not linked.")).toBeInTheDocument();
    expect(screen.getByText("Not a level: loud.")).toBeInTheDocument();
    expect(screen.getByText("Unknown time zone: Mars/Olympus.")).toBeInTheDocument();
    expect(screen.getByTestId("form-errors")).toHaveTextContent("4 fields need a change");
    expect(screen.getByTestId("unsaved")).toBeInTheDocument();
  });

  it("checks the times itself before sending", async () => {
    login();
    const requests = serve({ "GET notification-preferences": () => jsonResponse(preferencesFixture()) });
    const user = userEvent.setup();
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    await user.click(await screen.findByRole("switch", { name: /Hold e-mail and Telegram during quiet hours/ }));
    fireEvent.change(screen.getByLabelText("Until"), { target: { value: "22:00" } });
    await user.click(screen.getAllByRole("button", { name: "Save" })[0]!);

    expect(await screen.findByText("Must differ from the start.")).toBeInTheDocument();
    expect(requests.some((r) => r.method === "PUT")).toBe(false);
  });

  it("sends a test per channel and shows why a channel cannot take one", async () => {
    login();
    const requests = serve({
      "GET notification-preferences": () => jsonResponse(preferencesFixture()),
      "POST notifications/test": (body) =>
        (body as { channel: string }).channel === "telegram"
          ? jsonResponse({ detail: "Link Telegram first: no chat is linked to your account.", code: "telegram_not_linked" }, 409)
          : jsonResponse({ sent: true }, 202),
    });
    const user = userEvent.setup();
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    await user.click(await screen.findByRole("button", { name: "Send a test Telegram notification" }));
    expect(await within(screen.getByTestId("test-telegram")).findByRole("alert")).toHaveTextContent("Link Telegram first: no chat is linked to your account.");
    await user.click(screen.getByRole("button", { name: "Send a test E-mail notification" }));
    expect(await within(screen.getByTestId("test-email")).findByRole("status")).toHaveTextContent("check your inbox");
    expect(requests.filter((r) => r.method === "POST").map((r) => r.body)).toEqual([{ channel: "telegram" }, { channel: "email" }]);
  });

  it("links Telegram: the code, the bot and what to send it, then the linked chat", async () => {
    login();
    let prefs = preferencesFixture();
    serve({
      "GET notification-preferences": () => jsonResponse(prefs),
      "POST notifications/telegram/link": () =>
        jsonResponse({ code: "K7P2QX", expires_at: new Date(Date.now() + 15 * 60_000).toISOString(), bot_url: "https://t.me/TradefleetBot?start=K7P2QX" }, 201),
    });
    const user = userEvent.setup();
    const { client } = renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });

    expect(await screen.findByTestId("telegram-state")).toHaveTextContent("Not linked");
    await user.click(screen.getByRole("button", { name: "Link Telegram" }));
    const panel = await screen.findByTestId("telegram-link");
    expect(panel).toHaveTextContent("Send /start K7P2QX to the bot");
    expect(within(panel).getByTestId("telegram-start")).toHaveTextContent("/start K7P2QX");
    const bot = within(panel).getByRole("link", { name: "t.me/TradefleetBot" });
    expect(bot).toHaveAttribute("href", "https://t.me/TradefleetBot?start=K7P2QX");
    expect(bot).toHaveAttribute("target", "_blank");
    expect(panel).toHaveTextContent("The code works once");

    // The bot got /start K7P2QX: the page's next read of the preferences (it polls) finds the chat.
    prefs = { ...prefs, telegram_chat_id: "777", telegram_enabled: true };
    await act(() => client.invalidateQueries({ queryKey: keys.notificationPreferences }));
    expect(await screen.findByText("Linked: notifications go to your Telegram chat.")).toBeInTheDocument();
    expect(screen.getByTestId("telegram-state")).toHaveTextContent("Linked");
    expect(screen.queryByTestId("telegram-link")).toBeNull();
    expect(screen.getByRole("switch", { name: /^Telegram/ })).toBeChecked();
  });

  it("shows a linked chat, and unlinks it after a confirmation", async () => {
    login();
    let prefs = preferencesFixture({ telegram_enabled: true, telegram_chat_id: "424242" });
    const requests = serve({
      "GET notification-preferences": () => jsonResponse(prefs),
      "PUT notification-preferences": () => ((prefs = { ...prefs, telegram_chat_id: null, telegram_enabled: false }), jsonResponse(prefs)),
      "POST notifications/telegram/link": () => jsonResponse({ code: "Z9Z9Z9", expires_at: new Date(Date.now() + 15 * 60_000).toISOString(), bot_url: null }, 201),
    });
    const user = userEvent.setup();
    renderPage(<NotificationSettingsPage />, { path: "/notifications/settings" });
    expect(await screen.findByTestId("telegram-state")).toHaveTextContent("Linked");
    expect(screen.getByText("chat 424242")).toBeInTheDocument();
    expect(screen.getByRole("switch", { name: /^Telegram/ })).toBeChecked();
    expect(screen.getByRole("button", { name: "Link another Telegram chat" })).toBeInTheDocument();

    // Another chat: the instructions, though a chat is linked already.
    await user.click(screen.getByRole("button", { name: "Link another Telegram chat" }));
    expect(await screen.findByTestId("telegram-link")).toHaveTextContent("Send /start Z9Z9Z9 to the bot");

    await user.click(screen.getByRole("button", { name: "Unlink" }));
    await user.click(within(await screen.findByRole("dialog", { name: "Unlink Telegram?" })).getByRole("button", { name: "Unlink" }));
    await waitFor(() => expect(screen.getByTestId("telegram-state")).toHaveTextContent("Not linked"));
    expect(requests.find((r) => r.method === "PUT")?.body).toEqual({ telegram_chat_id: null });
    // The switch follows the server, since it was not touched here.
    expect(screen.getByRole("switch", { name: /^Telegram/ })).not.toBeChecked();
    expect(screen.queryByTestId("unsaved")).toBeNull();
  });
});
