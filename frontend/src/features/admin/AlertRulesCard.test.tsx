import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { serve } from "@/features/ml/testServer";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { AlertRulesCard } from "./AlertRulesCard";
import { alertsFixture } from "./performance/testFixtures";
import type { AlertRule, AlertRuleChange } from "./performance/types";

const ADMIN = { ...USER, role: "admin" as const };
beforeEach(() => writeAuth({ access: "a", refresh: "r", user: ADMIN }));
afterEach(() => vi.unstubAllGlobals());

describe("the alert rules", () => {
  it("shows each rule's threshold with its unit, whether it fires, its last value and the recent alerts", async () => {
    serve({ "GET admin/alerts": () => jsonResponse(alertsFixture()) });
    renderPage(<AlertRulesCard />, { path: "/manage/performance" });

    const queue = await screen.findByRole("group", { name: "Queue depth" });
    expect(within(queue).getByLabelText("Threshold (tasks)")).toHaveValue("500");
    expect(within(queue).getByRole("switch", { name: "Enabled" })).toBeChecked();
    expect(within(queue).getByText("Firing")).toBeInTheDocument();
    expect(within(queue).getByText("Last value: 812 tasks")).toBeInTheDocument();
    const p99 = screen.getByRole("group", { name: "API p99 latency" });
    expect(within(p99).getByText("OK")).toBeInTheDocument();
    expect(within(p99).getByText("Last value: 80.5 ms")).toBeInTheDocument();
    // The backup rule has no number to set.
    const backup = screen.getByRole("group", { name: "Backup failed" });
    expect(within(backup).queryByRole("textbox")).not.toBeInTheDocument();
    expect(within(backup).getByText(/no backup succeeded in 26 hours/)).toBeInTheDocument();

    const events = screen.getByRole("table", { name: "Recent alerts" });
    expect(within(events).getAllByRole("row")[1]).toHaveTextContent(`Queue depth812 tasks500 tasks${new Date("2026-12-06T11:50:00Z").toLocaleString()}Firing`);
  });

  it("saves a threshold with PATCH, shows the server's field error, then the saved value", async () => {
    let rule = alertsFixture().rules[0] as AlertRule;
    const requests = serve({
      "GET admin/alerts": () => jsonResponse(alertsFixture({ rules: [rule] })),
      "PATCH admin/alerts/queue_depth": (body) => {
        const change = body as AlertRuleChange;
        if (Number(change.threshold) < 0) return jsonResponse({ detail: "Invalid input.", code: "invalid", errors: { threshold: ["Ensure this value is greater than or equal to 0."] } }, 400);
        rule = { ...rule, ...change, firing: false };
        return jsonResponse(rule);
      },
    });
    const user = userEvent.setup();
    renderPage(<AlertRulesCard />, { path: "/manage/performance" });

    const queue = await screen.findByRole("group", { name: "Queue depth" });
    const save = within(queue).getByRole("button", { name: "Save" });
    expect(save).toBeDisabled();
    const threshold = within(queue).getByLabelText("Threshold (tasks)");
    await user.clear(threshold);
    await user.type(threshold, "-5");
    await user.click(save);
    expect(await within(queue).findByText("Ensure this value is greater than or equal to 0.")).toBeInTheDocument();
    expect(requests.filter((r) => r.method === "PATCH").map((r) => r.body)).toEqual([{ threshold: "-5", enabled: true }]);

    await user.clear(threshold);
    await user.type(threshold, "250");
    await user.click(within(queue).getByRole("switch", { name: "Enabled" }));
    await user.click(save);
    await waitFor(() => expect(requests.filter((r) => r.method === "PATCH").at(-1)?.body).toEqual({ threshold: "250", enabled: false }));
    const saved = await screen.findByRole("group", { name: "Queue depth" });
    await waitFor(() => expect(within(saved).getByLabelText("Threshold (tasks)")).toHaveValue("250"));
    expect(within(saved).getByText("Off")).toBeInTheDocument();
    expect(within(saved).queryByText("Ensure this value is greater than or equal to 0.")).not.toBeInTheDocument();
    expect(within(saved).getByRole("button", { name: "Save" })).toBeDisabled();
  });
});
