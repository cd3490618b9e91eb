// Prices seen live for each position during this tab's life, so the chart keeps its line
// between fills (the API has no candle history).
import type { PriceSample } from "./chartModel";

const byPosition = new Map<string, PriceSample[]>();
const MAX = 2000;

export function recordSample(id: string, price: number, time = Math.floor(Date.now() / 1000)): PriceSample[] {
  const list = byPosition.get(id) ?? [];
  const last = list[list.length - 1];
  if (!last || last.price !== price || time - last.time >= 60) list.push({ time, price });
  if (list.length > MAX) list.splice(0, list.length - MAX);
  byPosition.set(id, list);
  return list;
}

export function samplesFor(id: string): PriceSample[] {
  return byPosition.get(id) ?? [];
}
