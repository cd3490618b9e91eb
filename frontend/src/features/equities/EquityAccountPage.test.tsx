import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import EquityAccountPage from "./EquityAccountPage";

const ACCOUNT = {
  id: "a1",
  exchange: "kotak_simulator",
  label: "default",
  mode: "testnet",
  api_key: "****ab12",
  price_source: "",
  is_enabled: true,
  is_default: true,
  is_validated: true,
  last_validated: "2026-12-05T09:00:00Z",
  last_error: "",
  can_withdraw: null,
  created_at: "2026-12-01T09:00:00Z",
};

const BOOK: Record<string, unknown> = {
  funds: { available_cash: "476000.00", used_margin: "24000.00", collateral: "0", total: "500000.00", currency: "INR" },
  holdings: [
    { symbol: "RELIANCE", quantity: "10", sellable_quantity: "10", average_price: "2400.00", last_price: "2450.50", market_value: "24505.00", unrealized_pnl: "505.00" },
    { symbol: "INFY", quantity: "25", sellable_quantity: "20", average_price: "1500.00", last_price: "1480.25", market_value: "37006.25", unrealized_pnl: "-493.75" },
  ],
  positions: [
    { symbol: "TCS", product: "MIS", buy_quantity: "5", sell_quantity: "2", net_quantity: "3", buy_amount: "19500.00", sell_amount: "7810.00", last_price: "3905.00" },
  ],
  orders: [
    {
      id: "o1",
      client_order_id: "c1",
      symbol: "TCS",
      side: "buy",
      type: "LIMIT",
      product: "CNC",
      amo: true,
      status: "rejected",
      broker_status: "rejected",
      quantity: "5",
      filled: "0",
      price: "3900.03",
      average: null,
      reject_reason: "RMS:Rule: Check circuit limit including square off order exceeds : price not a multiple of tick size",
      created_at: "2026-12-05T04:00:00Z",
    },
  ],
};

function serve(answers: Record<string, () => Response>, requests: URL[]) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      const url = new URL(String(input), "http://x");
      requests.push(url);
      const path = url.pathname.replace("/api/v1/", "");
      if (path === "keys") return jsonResponse({ count: 1, next: null, previous: null, results: [ACCOUNT] });
      if (path === "exchanges") return jsonResponse([{ id: "kotak_simulator", name: "Kotak Neo simulator (NSE)", kind: "kotak_simulator", modes: ["testnet", "live"], asset_class: "equities", credential_fields: [] }]);
      const part = path.replace("keys/kotak_simulator/", "");
      return answers[part]?.() ?? jsonResponse(BOOK[part]);
    }),
  );
}

const renderAccount = () => renderPage(<EquityAccountPage />, { path: "/accounts/kotak_simulator/default", route: "/accounts/:exchange/:label" });

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("an equities account", () => {
  it("shows funds, holdings with totals, positions and the order book in rupees", async () => {
    const requests: URL[] = [];
    serve({}, requests);
    renderAccount();
    expect(await screen.findByRole("heading", { name: "Kotak Neo simulator (NSE) · default" })).toBeInTheDocument();

    const funds = await screen.findByTestId("funds-cards");
    expect(within(funds).getByTestId("funds-available_cash")).toHaveTextContent("₹4,76,000.00");
    expect(within(funds).getByTestId("funds-total")).toHaveTextContent("₹5,00,000.00");

    const holdings = await screen.findByTestId("holdings-table");
    const reliance = within(holdings).getByRole("row", { name: /RELIANCE/ });
    expect(reliance).toHaveTextContent("₹2,400.00");
    expect(reliance).toHaveTextContent("₹24,505.00");
    expect(within(reliance).getByTestId("holding-pnl")).toHaveTextContent("+₹505.00 (+2.10 %)");
    expect(within(reliance).getByTestId("holding-pnl")).toHaveAttribute("data-tone", "gain");
    const infy = within(holdings).getByRole("row", { name: /INFY/ });
    expect(within(infy).getByTestId("holding-pnl")).toHaveTextContent("-₹493.75");
    expect(within(infy).getByTestId("holding-pnl")).toHaveAttribute("data-tone", "loss");
    const total = within(holdings).getByTestId("holdings-total");
    expect(total).toHaveTextContent("₹61,511.25"); // 24,505.00 + 37,006.25
    expect(total).toHaveTextContent("₹61,500.00"); // invested: 10 x 2,400 + 25 x 1,500
    expect(within(total).getByTestId("holdings-total-pnl")).toHaveTextContent("+₹11.25");

    // A phone shows the same holdings as a list (CSS picks one; jsdom has both).
    const list = screen.getByTestId("holdings-list");
    const relianceItem = within(list).getAllByRole("listitem").find((item) => item.getAttribute("data-symbol") === "RELIANCE")!;
    expect(relianceItem).toHaveTextContent("₹24,505.00");
    expect(relianceItem).toHaveTextContent("+₹505.00 (+2.10 %)");
    const positions = screen.getByTestId("equity-positions-table");
    expect(within(positions).getByRole("row", { name: /TCS/ })).toHaveTextContent("MIS");

    const order = within(screen.getByTestId("orders-table")).getByRole("row", { name: /TCS/ });
    expect(order).toHaveTextContent("AMO");
    expect(order).toHaveTextContent("₹3,900.03");
    expect(within(order).getByTestId("reject-reason")).toHaveTextContent("price not a multiple of tick size");
    expect(order.getAttribute("data-status")).toBe("rejected");

    for (const part of ["funds", "holdings", "positions", "orders"]) {
      const asked = requests.find((url) => url.pathname === `/api/v1/keys/kotak_simulator/${part}`);
      expect(asked?.searchParams.get("label")).toBe("default");
    }
  });

  it("says the broker is unreachable on a 503 and loads the holdings again on Retry", async () => {
    let down = true;
    serve(
      {
        holdings: () =>
          down
            ? jsonResponse({ detail: "The exchange cannot be reached right now; try again shortly.", code: "exchange_unavailable", errors: {} }, 503)
            : jsonResponse(BOOK.holdings),
      },
      [],
    );
    renderAccount();
    const section = await screen.findByTestId("holdings-section");
    const alert = await within(section).findByRole("alert");
    expect(alert).toHaveTextContent("Broker unreachable");
    expect(alert).toHaveTextContent("try again shortly");
    expect(await within(screen.getByTestId("funds-section")).findByTestId("funds-cards")).toBeInTheDocument();

    down = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(within(section).getByTestId("holdings-table")).toHaveTextContent("RELIANCE"));
  });

  it("shows empty tables as sentences, not as empty grids", async () => {
    serve({ holdings: () => jsonResponse([]), positions: () => jsonResponse([]), orders: () => jsonResponse([]) }, []);
    renderAccount();
    expect(await screen.findByText(/No holdings/)).toBeInTheDocument();
    expect(screen.getByText("No positions today.")).toBeInTheDocument();
    expect(screen.getByText("No orders today.")).toBeInTheDocument();
  });
});
