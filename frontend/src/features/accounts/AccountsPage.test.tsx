import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import AccountsPage from "./AccountsPage";

const account = (exchange: string, mode: string) => ({
  id: exchange,
  exchange,
  label: "default",
  mode,
  api_key: "****ab12",
  price_source: "",
  is_enabled: true,
  is_default: true,
  is_validated: true,
  last_validated: "2026-12-05T09:00:00Z",
  last_error: "",
  can_withdraw: false,
  balances: [] as { asset: string; free: string; total: string }[],
  balances_at: null as string | null,
  created_at: "2026-12-01T09:00:00Z",
});

const CATALOG = [
  { id: "simulator", name: "Tradefleet simulator", kind: "simulator", modes: ["testnet", "live"], asset_class: "crypto", credential_fields: [] },
  { id: "kotak_neo", name: "Kotak Neo (NSE)", kind: "kotak", modes: ["live"], asset_class: "equities", credential_fields: [] },
];

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the exchange accounts page", () => {
  it("links each equities account to its holdings and shows a one-mode broker's mode as a label", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.startsWith("/api/v1/exchanges")
          ? jsonResponse(CATALOG)
          : jsonResponse({ count: 2, next: null, previous: null, results: [account("simulator", "testnet"), account("kotak_neo", "live")] }),
      ),
    );
    const { container } = renderPage(<AccountsPage />, { path: "/accounts", route: "/accounts" });
    await screen.findByRole("link", { name: "Holdings & orders of kotak_neo (default)" });
    const kotak = container.querySelector('[data-account="kotak_neo:default"]') as HTMLElement;
    const crypto = container.querySelector('[data-account="simulator:default"]') as HTMLElement;
    expect(within(kotak).getByRole("link", { name: /^Holdings & orders/ })).toHaveAttribute("href", "/accounts/kotak_neo/default");
    expect(kotak).toHaveTextContent("NSE equities");
    expect(within(kotak).queryByRole("radiogroup")).not.toBeInTheDocument();
    expect(within(kotak).getByText("live")).toBeInTheDocument();
    expect(within(crypto).queryByRole("link", { name: /^Holdings & orders/ })).not.toBeInTheDocument();
    expect(crypto).toHaveTextContent("Crypto");
    expect(within(crypto).getByRole("radiogroup", { name: "Mode" })).toBeInTheDocument();
  });
});

describe("an account's row", () => {
  const BINANCE = { id: "binance", name: "Binance", kind: "ccxt", modes: ["testnet", "live"], asset_class: "crypto", credential_fields: [] };

  function serve(results: unknown[]) {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.startsWith("/api/v1/exchanges") ? jsonResponse([...CATALOG, BINANCE]) : jsonResponse({ count: results.length, next: null, previous: null, results }),
      ),
    );
  }

  it("shows the balances of the last validation with their time, the locked part as what is free", async () => {
    const readAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const balances = [
      { asset: "ETH", free: "10", total: "10" },
      { asset: "BTC", free: "0.5", total: "1" },
      { asset: "USDT", free: "100000", total: "100000" },
      { asset: "SOL", free: "100", total: "100" },
      { asset: "BNB", free: "20", total: "20" },
    ];
    serve([{ ...account("simulator", "testnet"), balances, balances_at: readAt }]);
    const { container } = renderPage(<AccountsPage />, { path: "/accounts", route: "/accounts" });
    const shown = await screen.findByTestId("account-balances");
    const assets = [...shown.querySelectorAll("[data-asset]")].map((line) => line.textContent);
    expect(assets).toEqual(["100,000 USDT", "1 BTC (0.5 free)", "20 BNB"]); // quote assets first, then A-Z
    expect(within(shown).getByRole("button", { name: "+2 more" })).toBeInTheDocument();
    expect(shown).toHaveTextContent("as of 5 min ago");
    expect(container.querySelector('[data-account="simulator:default"]')).not.toHaveTextContent("****ab12");
  });

  it("says when the balance was never read", async () => {
    serve([{ ...account("binance", "live"), is_validated: false, last_validated: null }]);
    const { container } = renderPage(<AccountsPage />, { path: "/accounts", route: "/accounts" });
    await screen.findByText("Binance");
    const row = container.querySelector('[data-account="binance:default"]') as HTMLElement;
    await within(row).findByText("not read yet: validate the account");
    expect(within(row).getByText("****ab12")).toBeInTheDocument(); // a real exchange's key, masked
  });

  it("names the exchange and says what a default account is instead of repeating the label", async () => {
    serve([account("simulator", "testnet"), { ...account("binance", "live"), id: "b2", label: "main", is_default: false }]);
    const { container } = renderPage(<AccountsPage />, { path: "/accounts", route: "/accounts" });
    await screen.findByText("Tradefleet simulator");
    const simulator = container.querySelector('[data-account="simulator:default"]') as HTMLElement;
    const subtitle = within(simulator).getByTestId("account-subtitle");
    expect(subtitle).toHaveTextContent("used when an alert names no account · Crypto");
    expect(subtitle).not.toHaveTextContent("default");
    expect(within(simulator).getByTestId("no-key")).toHaveTextContent("built in, no key");
    const binance = container.querySelector('[data-account="binance:main"]') as HTMLElement;
    expect(within(binance).getByTestId("account-subtitle")).toHaveTextContent(/^main · Crypto$/);
  });
});
