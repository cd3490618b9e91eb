// The exchange catalogue (GET exchanges) as the account pages use it: grouped by asset class.
import type { Exchange } from "@/api/types";

export const ASSET_CLASS_LABELS: Record<string, string> = { crypto: "Crypto", equities: "NSE equities" };
const ORDER = ["crypto", "equities"];

/** Select options grouped Crypto / NSE equities, each exchange as "Name (kind)". */
export function exchangeGroups(exchanges: Exchange[]): { group: string; items: { value: string; label: string }[] }[] {
  const classes = [...new Set(exchanges.map((e) => e.asset_class))].sort((a, b) => rank(a) - rank(b));
  return classes.map((assetClass) => ({
    group: ASSET_CLASS_LABELS[assetClass] ?? assetClass,
    items: exchanges.filter((e) => e.asset_class === assetClass).map((e) => ({ value: e.id, label: `${e.name} (${e.kind})` })),
  }));
}

function rank(assetClass: string): number {
  const index = ORDER.indexOf(assetClass);
  return index === -1 ? ORDER.length : index;
}

/** Accounts Tradefleet makes or keeps itself: the simulators and paper trading. */
export function isKeyless(exchange: Pick<Exchange, "kind">): boolean {
  return exchange.kind === "simulator" || exchange.kind === "kotak_simulator" || exchange.kind === "paper";
}

export function isEquities(exchange: Pick<Exchange, "asset_class"> | undefined): boolean {
  return exchange?.asset_class === "equities";
}

/** Where an equities account's holdings, funds, positions and orders are shown. */
export function equityAccountPath(account: { exchange: string; label: string }): string {
  return `/accounts/${encodeURIComponent(account.exchange)}/${encodeURIComponent(account.label)}`;
}
