// The per-leg table and the ladder chart, from the server's preview. The math (averages,
// targets, rebounds) is done once, in Decimal, by the preview endpoint (trading/dca/grid.py
// `ladder`); this only lays it out and formats each number to the market's precision.
import type { Preview, PreviewLeg } from "@/api/types";
import { toNumber } from "@/lib/format";

/** Decimal places of an increment: "0.01" -> 2, "0.00001" -> 5, "1" or "10" -> 0. */
export function decimalsOf(increment: string | null | undefined): number {
  if (!increment) return 2;
  const [, fraction = ""] = increment.split(".");
  const trimmed = fraction.replace(/0+$/, "");
  return trimmed.length;
}

/** A decimal string to exactly `decimals` places (the market's tick or step), grouped. */
export function formatTo(value: string | number | null | undefined, decimals: number): string {
  const n = toNumber(value);
  if (n === null) return "—";
  return n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function formatPercent(value: string | number | null | undefined): string {
  const n = toNumber(value);
  if (n === null) return "—";
  return `${formatTo(n, 2)} %`;
}

export interface LadderRow {
  leg: number;
  price: string;
  deviation: string;
  orderSize: string;
  quantity: string;
  cumulativeSize: string;
  cumulativeQuantity: string;
  averagePrice: string;
  legTp: string;
  averageTp: string;
  rebound: string;
}

export interface Precision {
  price: number;
  quantity: number;
  quote: number;
}

export function precisionOf(preview: Pick<Preview, "tick_size" | "step_size">): Precision {
  const price = decimalsOf(preview.tick_size);
  // Quote amounts: cents at least, the tick's places for cheap coins.
  return { price, quantity: decimalsOf(preview.step_size), quote: Math.max(2, price) };
}

export function ladderRows(preview: Preview): LadderRow[] {
  const p = precisionOf(preview);
  return preview.legs.map((leg: PreviewLeg) => ({
    leg: leg.level,
    price: formatTo(leg.price, p.price),
    deviation: formatPercent(leg.deviation_percent),
    orderSize: formatTo(leg.notional, p.quote),
    quantity: formatTo(leg.quantity, p.quantity),
    cumulativeSize: formatTo(leg.cumulative_notional, p.quote),
    cumulativeQuantity: formatTo(leg.cumulative_quantity, p.quantity),
    averagePrice: formatTo(leg.average_price, p.price),
    legTp: formatTo(leg.tp_price, p.price),
    averageTp: formatTo(leg.average_tp_price, p.price),
    rebound: formatPercent(leg.rebound_percent),
  }));
}

export type LineKind = "entry" | "leg" | "target";

export interface LadderLine {
  kind: LineKind;
  price: number;
  label: string;
}

/** The chart's horizontal lines: the entry, each leg's price and the target after each leg. */
export function ladderLines(preview: Preview): LadderLine[] {
  const p = precisionOf(preview);
  const lines: LadderLine[] = [{ kind: "entry", price: Number(preview.entry_price), label: `Entry ${formatTo(preview.entry_price, p.price)}` }];
  for (const leg of preview.legs) {
    if (leg.level > 0) lines.push({ kind: "leg", price: Number(leg.price), label: `Leg ${leg.level} ${formatTo(leg.price, p.price)}` });
    lines.push({ kind: "target", price: Number(leg.average_tp_price), label: `TP after leg ${leg.level} ${formatTo(leg.average_tp_price, p.price)}` });
  }
  return lines;
}
