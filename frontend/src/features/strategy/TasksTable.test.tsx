import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { formatIn, TasksTable } from "./TasksTable";
import { taskFixture } from "./testFixtures";

const TASKS = [
  taskFixture({ task: "open_sells", label: "Open sells", cron: "15 9 * * 1-5", next_run: "2026-12-07T03:45:00Z" }),
  taskFixture({
    last_run: { status: "failed", started_at: "2026-12-04T10:30:00Z", finished_at: "2026-12-04T10:30:02Z", duration_ms: 2500, details: {}, error: "Kotak simulator unreachable" },
  }),
  taskFixture({ task: "end_of_day", label: "End of day", enabled: false, next_run: null, last_run: { status: "success", started_at: "2026-12-04T12:30:00Z", finished_at: null, duration_ms: 800, details: {}, error: "" } }),
];

let posts: string[] = [];
beforeEach(() => {
  posts = [];
  writeAuth({ access: "a", refresh: "r", user: USER });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const path = new URL(String(input), "http://x").pathname.replace("/api/v1/", "");
      if (path === "auth/me") return jsonResponse(USER);
      if (init?.method === "POST") {
        posts.push(path);
        if (path.includes("end_of_day")) return jsonResponse({ detail: "Your role does not allow this.", code: "permission_denied", errors: {} }, 403);
        return jsonResponse({ task: path.split("/")[2], queued: true }, 202);
      }
      return jsonResponse({ detail: "Not found." }, 404);
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe("the seven tasks table", () => {
  it("shows each task's schedule, next run in IST and local time, and last outcome", () => {
    renderPage(<TasksTable tasks={TASKS} />);
    const sells = screen.getByRole("row", { name: /Open sells/ });
    expect(within(sells).getByText("15 9 * * 1-5")).toBeInTheDocument();
    expect(within(sells).getByTestId("next-run")).toHaveTextContent(`${formatIn("2026-12-07T03:45:00Z", "Asia/Kolkata")} IST`);
    expect(within(sells).getByTestId("next-run")).toHaveTextContent("09:15 IST");
    expect(within(sells).getByTestId("next-run")).toHaveTextContent("local");
    expect(within(sells).getByText("never run")).toBeInTheDocument();

    const analysis = screen.getByRole("row", { name: /Analysis/ });
    expect(within(analysis).getByText("failed").closest("[data-status]")).toHaveAttribute("data-status", "failed");
    expect(within(analysis).getByText("Kotak simulator unreachable")).toBeInTheDocument();
    expect(within(analysis).getByText(/· 3s$/)).toBeInTheDocument();

    const eod = screen.getByRole("row", { name: /End of day/ });
    expect(within(eod).getByText("not scheduled")).toBeInTheDocument();
    expect(within(eod).getByText("off")).toBeInTheDocument();
    expect(within(eod).getByText("success")).toBeInTheDocument();
  });

  it("runs a task now and says so, or says why not", async () => {
    const user = userEvent.setup();
    renderPage(<TasksTable tasks={TASKS} />);
    await user.click(screen.getByRole("button", { name: "Run Analysis now" }));
    expect(await screen.findByTestId("run-feedback-analysis")).toHaveTextContent(/Queued at/);
    expect(posts).toEqual(["equities/tasks/analysis/run"]);

    await user.click(screen.getByRole("button", { name: "Run End of day now" }));
    expect(await screen.findByText("Your role does not allow this.")).toBeInTheDocument();
  });
});
