import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import DcaEditorPage from "./DcaEditorPage";
import { emptyDraft, writeBody } from "./model";

type Call = { url: string; body: unknown };

function stubApi(calls: Call[]) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ url, body });
      if (url.startsWith("/api/v1/keys")) return jsonResponse({ count: 0, next: null, previous: null, results: [] });
      if (url === "/api/v1/dca-configs/preview") {
        const levels = (body as { levels?: { weight_percent: string }[] }).levels ?? [];
        const sum = levels.reduce((s, l) => s + Number(l.weight_percent), 0);
        if (Math.abs(sum - 100) > 0.01) {
          return jsonResponse({ detail: `levels: weights sum to ${sum}, not 100`, code: "invalid", errors: { levels: [`weights sum to ${sum}, not 100 (±0.01)`] } }, 400);
        }
        return jsonResponse({ legs: levels.map((_, i) => ({ level: i, price: String(100 - i), quantity: "1", notional: "100", tp_price: "101" })), total_notional: "300" });
      }
      if (url === "/api/v1/dca-configs") {
        return jsonResponse({ detail: "symbol: unknown", code: "invalid", errors: { symbol: ["The simulator has no market ZZZ/USDT."] } }, 400);
      }
      return jsonResponse({ detail: "not found" }, 404);
    }),
  );
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the DCA configuration editor", () => {
  it("previews the grid live and shows a broken rule next to the levels", async () => {
    const calls: Call[] = [];
    stubApi(calls);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    expect(await screen.findByTestId("grid-preview", {}, { timeout: 3000 })).toHaveTextContent("Total");
    fireEvent.change(screen.getByLabelText("Leg 2 weight percent"), { target: { value: "20" } });
    await waitFor(() => expect(screen.getByTestId("levels-error")).toHaveTextContent("weights sum to 90, not 100"), { timeout: 4000 });
    expect(screen.getByText(/Weights: 90 % of 100/)).toBeInTheDocument();
    const previews = calls.filter((c) => c.url === "/api/v1/dca-configs/preview");
    expect(previews.at(-1)?.body).toMatchObject({ form: "explicit", exchange: "simulator", symbol: "BTC/USDT", entry_price: "100", capital: "1000" });
  });

  it("shows the server's error next to the field it names when saving", async () => {
    const calls: Call[] = [];
    stubApi(calls);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    fireEvent.change(await screen.findByLabelText(/Symbol/), { target: { value: "ZZZ/USDT" } });
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText("The simulator has no market ZZZ/USDT.")).toBeInTheDocument());
    expect(calls.find((c) => c.url === "/api/v1/dca-configs")?.body).toMatchObject({ symbol: "ZZZ/USDT", levels: expect.any(Array) });
  });

  it("sends only the chosen form's grid fields", () => {
    const draft = { ...emptyDraft(), form: "threecommas" as const, active_safety_orders: "", stop_loss_percent: "" };
    const body = writeBody(draft) as unknown as Record<string, unknown>;
    expect(body.levels).toBeUndefined();
    expect(body).toMatchObject({ form: "threecommas", base_order: "100", safety_orders: 3, active_safety_orders: null, stop_loss_percent: null, max_pyramids: 5 });
    const explicit = writeBody(emptyDraft()) as unknown as Record<string, unknown>;
    expect(explicit.base_order).toBeUndefined();
    expect((explicit.levels as unknown[]).length).toBe(3);
  });
});
