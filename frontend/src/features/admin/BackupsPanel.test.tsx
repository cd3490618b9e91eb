import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { page, serve } from "@/features/ml/testServer";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { formatBytes } from "./backups/api";
import type { Backup, BackupSchedule } from "./backups/types";
import { BackupsPanel } from "./BackupsPanel";

const ADMIN = { ...USER, role: "admin" as const };
beforeEach(() => writeAuth({ access: "a", refresh: "r", user: ADMIN }));
afterEach(() => vi.unstubAllGlobals());

function backup(overrides: Partial<Backup> = {}): Backup {
  return {
    id: "b1",
    created_at: "2026-12-06T03:00:00Z",
    finished_at: "2026-12-06T03:02:00Z",
    trigger: "scheduled",
    requested_by: null,
    status: "succeeded",
    progress: 100,
    step: "Done",
    size_bytes: 5 * 1024 * 1024 + 300 * 1024,
    encrypted: true,
    uploaded: true,
    verify_status: "passed",
    verified_at: "2026-12-06T03:04:00Z",
    verify_detail: "Restored 42 tables into a scratch database.",
    error: "",
    pruned_at: null,
    download_url: "/api/v1/admin/backups/b1/download",
    ...overrides,
  };
}

function schedule(overrides: Partial<BackupSchedule> = {}): BackupSchedule {
  return {
    enabled: true,
    time_of_day: "03:00",
    verify_after: true,
    next_run_at: "2026-12-07T03:00:00Z",
    encryption: true,
    s3: false,
    keep: { daily: 30, weekly: 12, monthly: 12 },
    updated_at: "2026-12-01T00:00:00Z",
    ...overrides,
  };
}

describe("the backups panel", () => {
  it("lists backups with size, status, verification and what happened to their file", async () => {
    const failed = backup({ id: "b2", created_at: "2026-12-05T03:00:00Z", status: "failed", size_bytes: null, encrypted: false, uploaded: false, verify_status: "pending", verify_detail: "", error: "pg_dump: connection refused", download_url: null });
    const pruned = backup({ id: "b3", created_at: "2026-10-01T03:00:00Z", pruned_at: "2026-11-01T03:00:00Z", download_url: null });
    serve({ "GET admin/backups": () => jsonResponse(page([backup(), failed, pruned])), "GET admin/backups/schedule": () => jsonResponse(schedule()) });
    renderPage(<BackupsPanel />, { path: "/manage/backups" });

    const table = await screen.findByRole("table", { name: "Backups" });
    const [first, second, third] = within(table).getAllByRole("row").slice(1) as [HTMLElement, HTMLElement, HTMLElement];
    expect(first).toHaveTextContent("5.3 MiB");
    expect(first).toHaveTextContent("encrypted, in S3");
    expect(within(first).getByText("succeeded")).toBeInTheDocument();
    expect(within(first).getByText("passed")).toBeInTheDocument();
    expect(first).toHaveTextContent("Restored 42 tables");
    expect(within(first).getByRole("button", { name: /Download the backup of/ })).toBeInTheDocument();
    expect(within(second).getByText("failed")).toBeInTheDocument();
    expect(within(second).getByTestId("backup-error")).toHaveTextContent("pg_dump: connection refused");
    expect(within(second).queryByRole("button", { name: /Download/ })).not.toBeInTheDocument();
    expect(third).toHaveTextContent("Deleted by retention");
    expect(screen.getByTestId("next-run")).toHaveTextContent(`Next scheduled run: ${new Date("2026-12-07T03:00:00Z").toLocaleString()}`);
    expect(screen.getByText(/Encryption on · Off-site copy \(S3\) off/)).toBeInTheDocument();
  });

  it("backs up now and shows the step and the progress bar until it is done", async () => {
    let current = backup({ id: "new", status: "running", progress: 0, step: "Queued", size_bytes: null, verify_status: "pending", verify_detail: "", download_url: null, trigger: "manual", requested_by: ADMIN.email });
    let polls = 0;
    const requests = serve({
      "GET admin/backups": () => {
        polls += 1;
        if (polls === 2) current = { ...current, progress: 40, step: "Dumping the database" };
        if (polls >= 4) current = { ...current, status: "succeeded", progress: 100, step: "Done", size_bytes: 2048, download_url: "/api/v1/admin/backups/new/download" };
        return jsonResponse(page(polls === 1 ? [] : [current]));
      },
      "POST admin/backups": () => jsonResponse(current, 202),
      "GET admin/backups/schedule": () => jsonResponse(schedule()),
    });
    const user = userEvent.setup();
    renderPage(<BackupsPanel />, { path: "/manage/backups" });

    expect(await screen.findByText("No backup yet.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Back up now" }));
    const progress = await screen.findByTestId("backup-progress", {}, { timeout: 3000 });
    await waitFor(() => expect(progress).toHaveTextContent("Dumping the database40 %"), { timeout: 3000 });
    expect(screen.getByRole("button", { name: "Back up now" })).toBeDisabled();
    await waitFor(() => expect(screen.queryByTestId("backup-progress")).not.toBeInTheDocument(), { timeout: 5000 });
    expect(screen.getByRole("button", { name: "Back up now" })).toBeEnabled();
    expect(screen.getByRole("table", { name: "Backups" })).toHaveTextContent("2.0 KiB");
    expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["admin/backups"]);
  }, 15_000);

  it("says why a backup could not start", async () => {
    serve({
      "GET admin/backups": () => jsonResponse(page([])),
      "POST admin/backups": () => jsonResponse({ detail: "A backup is already running; wait for it to finish.", code: "backup_running", errors: {} }, 409),
      "GET admin/backups/schedule": () => jsonResponse(schedule()),
    });
    const user = userEvent.setup();
    renderPage(<BackupsPanel />, { path: "/manage/backups" });

    await user.click(await screen.findByRole("button", { name: "Back up now" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("A backup is already running; wait for it to finish.");
  });

  it("saves the schedule, shows the server's field error, then the next run", async () => {
    let saved = schedule();
    const requests = serve({
      "GET admin/backups": () => jsonResponse(page([])),
      "GET admin/backups/schedule": () => jsonResponse(saved),
      "PATCH admin/backups/schedule": (body) => {
        const change = body as Partial<BackupSchedule>;
        if (change.time_of_day === "25:00") return jsonResponse({ detail: "Invalid input.", code: "invalid", errors: { time_of_day: ["Time has wrong format. Use one of these formats instead: hh:mm."] } }, 400);
        saved = { ...saved, ...change, next_run_at: "2026-12-07T04:30:00Z" };
        return jsonResponse(saved);
      },
    });
    const user = userEvent.setup();
    renderPage(<BackupsPanel />, { path: "/manage/backups" });

    const time = await screen.findByLabelText("Time of day (UTC)");
    const save = screen.getByRole("button", { name: "Save" });
    expect(save).toBeDisabled();
    await user.clear(time);
    await user.type(time, "25:00");
    await user.click(save);
    expect(await screen.findByText(/Time has wrong format/)).toBeInTheDocument();

    await user.clear(time);
    await user.type(time, "04:30");
    await user.click(screen.getByRole("switch", { name: /Verify each backup/ }));
    await user.click(save);
    await waitFor(() => expect(screen.getByTestId("next-run")).toHaveTextContent(`Next scheduled run: ${new Date("2026-12-07T04:30:00Z").toLocaleString()}`));
    expect(requests.filter((r) => r.method === "PATCH").at(-1)?.body).toEqual({ time_of_day: "04:30", enabled: true, verify_after: false });
    expect(screen.getByLabelText("Time of day (UTC)")).toHaveValue("04:30");
  });

  it("says when scheduled backups are off", async () => {
    serve({ "GET admin/backups": () => jsonResponse(page([])), "GET admin/backups/schedule": () => jsonResponse(schedule({ enabled: false, next_run_at: null })) });
    renderPage(<BackupsPanel />, { path: "/manage/backups" });
    expect(await screen.findByTestId("next-run")).toHaveTextContent("Scheduled backups are off.");
  });

  it("asks for a verification of a backup", async () => {
    const requests = serve({
      "GET admin/backups": () => jsonResponse(page([backup()])),
      "GET admin/backups/schedule": () => jsonResponse(schedule()),
      "POST admin/backups/b1/verify": () => jsonResponse(backup({ verify_status: "pending", verify_detail: "" }), 202),
    });
    const user = userEvent.setup();
    renderPage(<BackupsPanel />, { path: "/manage/backups" });
    await user.click(await screen.findByRole("button", { name: /Verify the backup of/ }));
    await waitFor(() => expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["admin/backups/b1/verify"]));
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect([formatBytes(null), formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 ** 3)]).toEqual(["—", "512 B", "1.5 KiB", "3.0 GiB"]);
  });
});
