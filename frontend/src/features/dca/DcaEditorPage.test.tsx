import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import DcaEditorPage from "./DcaEditorPage";
import { emptyDraft, writeBody } from "./model";
import { threeCommasExample } from "./testPreview";

type Call = { url: string; body: Record<string, unknown> | undefined };
const TICKER = "61234.50";

function stubApi(calls: Call[]) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const body = init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
      calls.push({ url, body });
      if (url.startsWith("/api/v1/keys")) return jsonResponse({ count: 0, next: null, previous: null, results: [] });
      if (url === "/api/v1/dca-configs/preview") {
        const levels = (body?.levels as { weight_percent: string }[] | undefined) ?? [];
        const sum = levels.reduce((s, l) => s + Number(l.weight_percent), 0);
        if (body?.form === "explicit" && Math.abs(sum - 100) > 0.01) {
          return jsonResponse({ detail: `levels: weights sum to ${sum} %, not 100 %`, code: "invalid", errors: { levels: [`weights sum to ${sum} %, not 100 % (±0.01)`] } }, 400);
        }
        // The server fills what was left out: the ticker's price, the 3Commas sum.
        const entry = (body?.entry_price as string | undefined) ?? TICKER;
        return jsonResponse(
          threeCommasExample({
            entry_price: entry,
            entry_price_source: body?.entry_price ? "given" : "ticker",
            ...(body?.form === "threecommas" ? { capital: "337.5", capital_source: "threecommas" as const } : { capital: String(body?.capital) }),
          }),
        );
      }
      if (url === "/api/v1/dca-configs") {
        return jsonResponse({ detail: "symbol: unknown", code: "invalid", errors: { symbol: ["The simulator has no market ZZZ/USDT."] } }, 400);
      }
      return jsonResponse({ detail: "not found" }, 404);
    }),
  );
}

const previews = (calls: Call[]) => calls.filter((c) => c.url === "/api/v1/dca-configs/preview");

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the DCA configuration editor", () => {
  it("starts the preview at the last price and shows a broken rule next to the levels", async () => {
    const calls: Call[] = [];
    stubApi(calls);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    expect(await screen.findByTestId("grid-preview", {}, { timeout: 3000 })).toBeInTheDocument();
    expect(previews(calls)[0]?.body).not.toHaveProperty("entry_price");
    await waitFor(() => expect(screen.getByLabelText(/Entry price/)).toHaveValue(TICKER));
    fireEvent.change(screen.getByLabelText("Leg 2 weight percent"), { target: { value: "20" } });
    await waitFor(() => expect(screen.getByTestId("levels-error")).toHaveTextContent("weights sum to 90 %, not 100 %"), { timeout: 4000 });
    expect(screen.getByText(/Weights: 90 % of 100/)).toBeInTheDocument();
    // One capital input: the configuration's, sent as the preview's capital.
    expect(screen.getAllByLabelText(/Capital per pyramid/)).toHaveLength(1);
    expect(previews(calls).at(-1)?.body).toMatchObject({ form: "explicit", exchange: "simulator", symbol: "BTC/USDT", entry_price: TICKER, capital: "1000" });
  });

  it("shows each leg's average, target and rebound, and the max deviation covered", async () => {
    stubApi([]);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    const table = await screen.findByTestId("grid-preview", {}, { timeout: 3000 });
    const rows = ["ladder-row-0", "ladder-row-1", "ladder-row-2"].map((id) => within(table).getByTestId(id));
    expect(rows[1]).toHaveTextContent("9,900.00");
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining("10,100.00"), expect.stringContaining("9,999.00"), expect.stringContaining("9,898.00")]);
    expect(rows[2]).toHaveTextContent("3.10 %");
    expect(screen.getByTestId("preview-summary")).toHaveTextContent("Max deviation covered4.00 %");
    expect(screen.getByTestId("ladder-chart").querySelectorAll("[data-kind=target]")).toHaveLength(3);
  });

  it("hides per-leg take-profits when one target on the average closes the group", async () => {
    stubApi([]);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    await screen.findByTestId("grid-preview", {}, { timeout: 3000 });
    expect(screen.getByLabelText("Leg 0 tp percent")).toBeInTheDocument();
    expect(screen.getByText("Leg TP")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("textbox", { name: "Take-profit mode" }));
    await userEvent.click(await screen.findByRole("option", { name: /^Aggregate/, hidden: true }));
    await waitFor(() => expect(screen.queryByLabelText("Leg 0 tp percent")).not.toBeInTheDocument());
    expect(screen.queryByText("Leg TP")).not.toBeInTheDocument();
  });

  it("takes 3Commas order sizes as absolute amounts and shows their sum as the capital", async () => {
    const calls: Call[] = [];
    stubApi(calls);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new" });
    await userEvent.click(await screen.findByText("3Commas style"));
    await waitFor(() => expect(screen.getByTestId("threecommas-capital")).toHaveTextContent("337.50 USDT"), { timeout: 4000 });
    expect(screen.queryByLabelText(/^Capital per pyramid/)).not.toBeInTheDocument();
    const last = previews(calls).at(-1)?.body;
    expect(last).toMatchObject({ form: "threecommas", base_order: "100", safety_order: "50" });
    expect(last).not.toHaveProperty("capital");
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

  it("asks before leaving with unsaved changes", async () => {
    stubApi([]);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new", extra: { "/dca": <p>the list</p> } });
    const back = await screen.findByText("← DCA configurations");
    fireEvent.change(screen.getByLabelText(/Symbol/), { target: { value: "ETH/USDT" } });
    expect(screen.getByTestId("unsaved")).toBeInTheDocument();
    await userEvent.click(back);
    const dialog = await screen.findByRole("dialog", { name: "Leave without saving?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Stay" }));
    expect(screen.queryByText("the list")).not.toBeInTheDocument();
    await userEvent.click(back);
    await userEvent.click(await screen.findByRole("button", { name: "Leave without saving" }));
    expect(await screen.findByText("the list")).toBeInTheDocument();
  });

  it("holds the browser's Back button too while there are unsaved changes", async () => {
    stubApi([]);
    const { router } = renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new", back: ["/dca"], extra: { "/dca": <p>the list</p> } });
    fireEvent.change(await screen.findByLabelText(/Symbol/), { target: { value: "ETH/USDT" } });
    await act(() => router.navigate(-1));
    const dialog = await screen.findByRole("dialog", { name: "Leave without saving?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Stay" }));
    expect(screen.queryByText("the list")).not.toBeInTheDocument();
    expect(screen.getByLabelText(/Symbol/)).toHaveValue("ETH/USDT");
    await act(() => router.navigate(-1));
    await userEvent.click(await screen.findByRole("button", { name: "Leave without saving" }));
    expect(await screen.findByText("the list")).toBeInTheDocument();
  });

  it("leaves at once when nothing changed", async () => {
    stubApi([]);
    renderPage(<DcaEditorPage />, { path: "/dca/new", route: "/dca/new", extra: { "/dca": <p>the list</p> } });
    await userEvent.click(await screen.findByText("← DCA configurations"));
    expect(await screen.findByText("the list")).toBeInTheDocument();
  });

  it("sends only the chosen form's grid fields, and no capital with 3Commas sizes", () => {
    const draft = { ...emptyDraft(), form: "threecommas" as const, active_safety_orders: "", stop_loss_percent: "" };
    const body = writeBody(draft) as unknown as Record<string, unknown>;
    expect(body.levels).toBeUndefined();
    expect(body).not.toHaveProperty("capital_per_pyramid");
    expect(body).toMatchObject({ form: "threecommas", base_order: "100", safety_orders: 3, active_safety_orders: null, stop_loss_percent: null, max_pyramids: 5 });
    const explicit = writeBody(emptyDraft()) as unknown as Record<string, unknown>;
    expect(explicit.base_order).toBeUndefined();
    expect(explicit.capital_per_pyramid).toBe("1000");
    expect((explicit.levels as unknown[]).length).toBe(3);
  });
});
