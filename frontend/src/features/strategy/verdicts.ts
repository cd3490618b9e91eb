// How the scanner page says a verdict and a rejected rule in words.
import { toNumber } from "@/lib/format";
import type { SymbolAnalysis } from "./types";

export const VERDICT_COLORS: Record<string, string> = { strong_buy: "teal", buy: "green", watch: "yellow", avoid: "gray" };

export const RULE_WORDS: Record<string, string> = {
  insufficient_history: "Not enough history yet",
  chart_quality: "Chart quality too low",
  fundamentals: "Loss maker at a high price-to-book",
  liquidity: "Average volume too low",
  rsi: "RSI not oversold",
  volume: "Volume too low today",
  position_size: "Not one share fits the sizing rules",
  combined_score: "Combined score under the minimum",
};

export function ruleInWords(rule: string): string {
  return rule ? (RULE_WORDS[rule] ?? rule.replace(/_/g, " ")) : "";
}

/** "above EMA200 by 4.2 %" from the analysis' indicators. */
export function closeVsEma200(analysis: SymbolAnalysis): string {
  const indicators = analysis.indicators as Record<string, unknown>;
  const close = toNumber(analysis.close);
  const ema200 = toNumber(indicators.ema200 as string | null);
  if (close === null || ema200 === null || !ema200) return "no EMA200 yet";
  const percent = ((close - ema200) / ema200) * 100;
  return `${percent >= 0 ? "above" : "below"} by ${Math.abs(percent).toFixed(1)} %`;
}

export function rsiOf(analysis: SymbolAnalysis): string {
  const value = toNumber((analysis.indicators as Record<string, unknown>).rsi as string | null);
  return value === null ? "—" : value.toFixed(1);
}
