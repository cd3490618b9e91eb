import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { ExportCard, type DataExport } from "./ExportCard";

const QUEUED: DataExport = {
  id: "e1",
  format: "csv",
  status: "queued",
  progress: 0,
  step: "",
  size: null,
  created_at: "2026-12-06T10:00:00Z",
  finished_at: null,
  expires_at: null,
  error: "",
  download_url: null,
};
const RUNNING: DataExport = { ...QUEUED, status: "running", progress: 40, step: "trading.Fill" };
const DONE: DataExport = {
  ...QUEUED,
  status: "succeeded",
  progress: 100,
  size: 2048,
  finished_at: "2026-12-06T10:01:00Z",
  expires_at: "2026-12-07T10:01:00Z",
  download_url: "http://testserver/api/v1/me/exports/e1/download?token=abc",
};

const page = (results: DataExport[]) => jsonResponse({ count: results.length, next: null, previous: null, results });

/** A fake API: the list answers with each of `lists` in turn (the last one from then on). */
function serve(lists: DataExport[][], start: Response = jsonResponse(QUEUED, 202)) {
  let call = 0;
  const fetch = vi.fn(async (_url: string, init?: RequestInit) => {
    if (init?.method === "POST") return start;
    const answer = lists[Math.min(call, lists.length - 1)] ?? [];
    call += 1;
    return page(answer);
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("exporting my data", () => {
  it("asks first, starts the chosen format, shows progress, then a download link with its expiry", async () => {
    const fetch = serve([[], [RUNNING], [DONE]]);
    renderPage(<ExportCard />, { path: "/profile" });
    expect(await screen.findByText("Export my data", { selector: "h2" })).toBeInTheDocument();

    await userEvent.click(screen.getByText("CSV (zip)"));
    await userEvent.click(screen.getByRole("button", { name: "Export my data" }));
    expect(await screen.findByText(/a zip of CSV files/)).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Start the export" }));

    expect(await screen.findByText(/Preparing your CSV export \(trading.Fill\)/)).toBeInTheDocument();
    expect(screen.getByText("40%")).toBeInTheDocument();
    const started = fetch.mock.calls.find(([, init]) => init?.method === "POST") as unknown as [string, RequestInit];
    expect(started[0]).toBe("/api/v1/me/exports");
    expect(JSON.parse(started[1].body as string)).toEqual({ format: "csv" });

    const link = await screen.findByRole("link", { name: /Download CSV \(2.0 KB\)/ }, { timeout: 3000 });
    expect(link).toHaveAttribute("href", DONE.download_url);
    expect(screen.getByText(/The link is valid until/)).toHaveTextContent(new Date(DONE.expires_at!).toLocaleString());
  });

  it("does nothing until the confirmation is accepted", async () => {
    const fetch = serve([[]]);
    renderPage(<ExportCard />, { path: "/profile" });
    await userEvent.click(await screen.findByRole("button", { name: "Export my data" }));
    await userEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Start the export" })).not.toBeInTheDocument());
    expect(fetch.mock.calls.some(([, init]) => init?.method === "POST")).toBe(false);
  });

  it("shows why an export could not start", async () => {
    serve([[]], jsonResponse({ detail: "format: not a choice", code: "invalid", errors: { format: ["\"pdf\" is not a valid choice."] } }, 400));
    renderPage(<ExportCard />, { path: "/profile" });
    await userEvent.click(await screen.findByRole("button", { name: "Export my data" }));
    await userEvent.click(await screen.findByRole("button", { name: "Start the export" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("is not a valid choice");
  });

  it("shows a failed export's message and an expired one's state", async () => {
    serve([[{ ...QUEUED, status: "failed", error: "The export could not be written. Please try again." }]]);
    const { unmount } = renderPage(<ExportCard />, { path: "/profile" });
    expect(await screen.findByText(/could not be written/)).toBeInTheDocument();
    unmount();

    serve([[{ ...DONE, status: "expired", download_url: null }]]);
    renderPage(<ExportCard />, { path: "/profile" });
    expect(await screen.findByText(/can no longer be downloaded/)).toBeInTheDocument();
    expect(screen.queryByRole("link")).not.toBeInTheDocument();
  });
});
