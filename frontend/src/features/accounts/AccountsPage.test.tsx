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
