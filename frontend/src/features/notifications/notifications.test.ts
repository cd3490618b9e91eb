import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/client";
import { isAtLeast, levelOf } from "./levels";
import { notificationToast } from "./notificationToast";
import { appPath, groupCatalogue, humanType, typeLabel } from "./notificationView";
import { errorsUnder, inputFrom, isDirty, rebase, toDraft } from "./settingsDraft";
import { CATALOGUE, preferencesFixture } from "./testFixtures";

describe("which notifications raise a toast", () => {
  const event = { id: "n1", type: "key_invalid", level: "error", title: "Binance key failed", message: "Invalid API-key", link: "/accounts", unread_count: 1 };

  it("warning and above, linking into the app; info only counts on the bell", () => {
    expect(notificationToast(event)).toMatchObject({ id: "notification:n1", color: "red", level: "error", title: "Binance key failed", href: "/accounts", autoClose: 10_000 });
    expect(notificationToast({ ...event, level: "warning" })).toMatchObject({ color: "yellow", level: "warning" });
    expect(notificationToast({ ...event, level: "info" })).toBeNull();
    expect(notificationToast({ ...event, level: "something-new" })).toBeNull();
  });

  it("keeps a critical one until dismissed", () => {
    expect(notificationToast({ ...event, level: "critical" })).toMatchObject({ autoClose: false, color: "grape", level: "error" });
  });

  it("leaves to their own events the types that already raise one", () => {
    expect(notificationToast({ ...event, type: "signal_refused", level: "warning" })).toBeNull();
    expect(notificationToast({ ...event, type: "risk_action", level: "warning" })).toBeNull();
  });

  it("follows only links inside the app", () => {
    expect(notificationToast({ ...event, link: "https://evil.example/" })?.href).toBeNull();
    expect(appPath("//evil.example/x")).toBeNull();
    expect(appPath("")).toBeNull();
    expect(appPath("/positions/g1")).toBe("/positions/g1");
  });
});

describe("levels and types", () => {
  it("orders the levels", () => {
    expect(isAtLeast("critical", "warning")).toBe(true);
    expect(isAtLeast("info", "warning")).toBe(false);
    expect(levelOf("loud")).toBe("info");
  });

  it("names a type from the catalogue, or from its own words", () => {
    expect(typeLabel(CATALOGUE, "key_invalid")).toBe("Exchange key failed validation");
    expect(typeLabel(CATALOGUE, "market_data_late")).toBe("Market data late");
    expect(humanType("")).toBe("Notification");
  });

  it("groups the catalogue by category, admins' types for admins only", () => {
    expect(groupCatalogue(CATALOGUE, false).map((g) => g.category)).toEqual(["trading", "service", "system"]);
    expect(groupCatalogue(CATALOGUE, true).map((g) => g.category)).toEqual(["trading", "service", "system", "admin"]);
  });
});

describe("the preferences form's draft", () => {
  it("sends times as HH:MM and null for what is off", () => {
    const prefs = preferencesFixture({ quiet_hours_start: "22:00:00", quiet_hours_end: "07:00:00", daily_summary_time: null, telegram_chat_id: "42" });
    const draft = toDraft(prefs);
    expect(isDirty(draft, prefs)).toBe(false);
    const { input } = inputFrom(draft);
    expect(input).toMatchObject({ quiet_hours_start: "22:00", quiet_hours_end: "07:00", daily_summary_time: null });
    // The chat id only changes through the link flow: a stale value must not unlink a new chat.
    expect(input).not.toHaveProperty("telegram_chat_id");
    expect(inputFrom({ ...draft, quiet_enabled: false }).input).toMatchObject({ quiet_hours_start: null, quiet_hours_end: null });
    expect(inputFrom({ ...draft, summary_enabled: true, daily_summary_time: "7pm" }).errors).toEqual({ daily_summary_time: "A time, e.g. 18:30." });
  });

  it("takes the server's new values where the user changed nothing", () => {
    const before = toDraft(preferencesFixture());
    const after = toDraft(preferencesFixture({ telegram_enabled: true, email_address: "new@example.com" }));
    const mine = { ...before, email_address: "mine@example.com" };
    expect(rebase(mine, before, after)).toMatchObject({ telegram_enabled: true, email_address: "mine@example.com" });
  });

  it("collects the server's messages under a field", () => {
    const error = new ApiError(400, { detail: "Invalid input.", errors: { types: { leg_filled: { email: ["No address."] } }, "types.leg": ["x"] } });
    expect(errorsUnder(error, "types.leg_filled")).toEqual(["No address."]);
    expect(errorsUnder(new Error("x"), "types")).toEqual([]);
  });
});
