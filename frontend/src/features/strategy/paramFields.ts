// Every rule of the NSE strategy (StrategyParams), grouped and explained as the settings form and
// the user guide (docs/user-guide/nse-strategy.md) show them. The Record type makes the compiler
// refuse a field the API has and this list forgets.
import type { ParamKey, StrategyParams, StrategySettings, TaskKey } from "./types";

export type ParamKind = "int" | "decimal" | "bool" | "int-list" | "tiers";

export interface ParamSpec {
  label: string;
  kind: ParamKind;
  unit: string;
  help: string;
}

export const PARAMS: Record<ParamKey, ParamSpec> = {
  rsi_period: { label: "RSI period", kind: "int", unit: "days", help: "Wilder's RSI over this many daily closes." },
  ema_periods: { label: "EMA periods", kind: "int-list", unit: "days", help: "Four increasing periods: the exit EMA first (EMA9), two context EMAs, the trend EMA last (EMA200)." },
  avg_volume_days: { label: "Average volume days", kind: "int", unit: "days", help: "The average daily volume is taken over this many days, today included." },
  recent_low_days: { label: "Recent low days", kind: "int", unit: "days", help: "The swing low of the dip (for the stop) is the lowest low of this many days." },
  rsi_oversold: { label: "RSI oversold", kind: "decimal", unit: "RSI", help: "Enter when RSI is under this and the close is above EMA200." },
  rsi_extreme_oversold: { label: "RSI extreme oversold", kind: "decimal", unit: "RSI", help: "Enter when RSI is under this and the close is below EMA200 (or EMA200 is not known yet)." },
  rsi_near_oversold: { label: "RSI near oversold", kind: "decimal", unit: "RSI", help: "Approaching a setup: used for watch verdicts and alerts, never for entries." },
  volume_ratio_min: { label: "Minimum volume ratio", kind: "decimal", unit: "×", help: "The day's volume must be at least this multiple of its average." },
  volume_ratio_min_oversold: { label: "Minimum volume ratio when oversold", kind: "decimal", unit: "×", help: "The lower volume multiple accepted while RSI is under RSI oversold." },
  volume_ratio_strong: { label: "Strong volume ratio", kind: "decimal", unit: "×", help: "From this multiple of the average, volume counts as strong (strong_buy)." },
  min_avg_volume: { label: "Minimum average volume", kind: "int", unit: "shares", help: "Stocks trading fewer shares a day on average are not bought (liquidity rule)." },
  liquidity_tiers: { label: "Liquidity tiers", kind: "tiers", unit: "₹ → fraction", help: "One line per tier, \"lowest price fraction\", highest price first, the last from 0: a position holds at most that fraction of the average daily volume." },
  chart_quality_enabled: { label: "Chart quality filter", kind: "bool", unit: "", help: "Avoid stocks whose chart quality score is under the minimum." },
  chart_quality_min_score: { label: "Minimum chart quality", kind: "decimal", unit: "score 0–100", help: "100 minus the penalties below; a lower score avoids the stock." },
  chart_quality_window_days: { label: "Chart window", kind: "int", unit: "days", help: "Gaps and movement are measured over this many days." },
  chart_quality_max_gap_frequency: { label: "Gap frequency (big penalty)", kind: "decimal", unit: "% of days", help: "More days than this opening with a gap: the gap penalty." },
  chart_quality_warn_gap_frequency: { label: "Gap frequency (small penalty)", kind: "decimal", unit: "% of days", help: "More days than this with a gap: the smaller gap penalty." },
  chart_quality_gap_penalty: { label: "Gap penalty", kind: "decimal", unit: "points", help: "Points taken off for frequent gaps." },
  chart_quality_warn_gap_penalty: { label: "Small gap penalty", kind: "decimal", unit: "points", help: "Points taken off for somewhat frequent gaps." },
  chart_quality_min_daily_range_pct: { label: "Flat: daily range under", kind: "decimal", unit: "%", help: "A chart is flat when its average (high − low) / close is under this …" },
  chart_quality_flat_max_price_range_pct: { label: "Flat: window range under", kind: "decimal", unit: "%", help: "… and its whole price range over the window is under this." },
  chart_quality_flat_penalty: { label: "Flat penalty", kind: "decimal", unit: "points", help: "Points taken off a flat chart." },
  chart_quality_low_range_pct: { label: "Low range under", kind: "decimal", unit: "%", help: "Not flat, but an average daily range under this: the low-range penalty." },
  chart_quality_low_range_penalty: { label: "Low range penalty", kind: "decimal", unit: "points", help: "Points taken off a chart that barely moves." },
  chart_quality_extreme_days: { label: "Extreme candle window", kind: "int", unit: "days", help: "Extreme candles are counted over this many days." },
  chart_quality_extreme_body_pct: { label: "Extreme candle body", kind: "decimal", unit: "%", help: "A candle whose |close − open| / open is above this is extreme …" },
  chart_quality_extreme_body_range_ratio: { label: "Extreme body vs range", kind: "decimal", unit: "×", help: "… or whose body is above this multiple of the average range." },
  chart_quality_max_extreme_candle_frequency: { label: "Extreme candles (big penalty)", kind: "decimal", unit: "% of days", help: "More extreme candles than this: the extreme penalty." },
  chart_quality_warn_extreme_candle_frequency: { label: "Extreme candles (small penalty)", kind: "decimal", unit: "% of days", help: "More extreme candles than this: the smaller extreme penalty." },
  chart_quality_extreme_penalty: { label: "Extreme penalty", kind: "decimal", unit: "points", help: "Points taken off for frequent extreme candles." },
  chart_quality_warn_extreme_penalty: { label: "Small extreme penalty", kind: "decimal", unit: "points", help: "Points taken off for somewhat frequent extreme candles." },
  pb_max_for_loss_maker: { label: "Loss maker: maximum PB", kind: "decimal", unit: "PB", help: "A loss maker (PE < 0) priced at this price-to-book or more is avoided, when fundamentals are known." },
  min_combined_score: { label: "Minimum combined score", kind: "decimal", unit: "score 0–100", help: "A buy or strong_buy trades only from this combined score." },
  backtest_years: { label: "Backtest years", kind: "int", unit: "years", help: "The same rules are replayed over this many years of history." },
  backtest_return_weight: { label: "Backtest: return weight", kind: "decimal", unit: "fraction", help: "Share of the backtest score earned by the compounded return (the three weights add up to 1)." },
  backtest_win_rate_weight: { label: "Backtest: win-rate weight", kind: "decimal", unit: "fraction", help: "Share of the backtest score earned by the win rate." },
  backtest_buy_and_hold_weight: { label: "Backtest: buy-and-hold weight", kind: "decimal", unit: "fraction", help: "Share of the backtest score earned by beating buy-and-hold." },
  backtest_full_return_pct: { label: "Backtest: full-score return", kind: "decimal", unit: "%", help: "A compounded return of this much earns the whole return part." },
  backtest_full_excess_pct: { label: "Backtest: full-score excess", kind: "decimal", unit: "points", help: "Beating buy-and-hold by this many points earns the whole buy-and-hold part." },
  strong_buy_min_combined_score: { label: "Strong buy from score", kind: "decimal", unit: "score 0–100", help: "With strong volume, a buy becomes strong_buy from this combined score." },
  excellent_min_combined_score: { label: "Excellent targets from score", kind: "decimal", unit: "score 0–100", help: "A strong_buy aims at the excellent targets from this combined score." },
  buy_target_pct: { label: "Buy: target at least", kind: "decimal", unit: "%", help: "A buy's target is at least this far above the entry …" },
  buy_risk_reward: { label: "Buy: risk-reward", kind: "decimal", unit: "R", help: "… and at least this many times the risk (entry − stop)." },
  strong_buy_target_pct: { label: "Strong buy: target at least", kind: "decimal", unit: "%", help: "A strong_buy's target is at least this far above the entry …" },
  strong_buy_risk_reward: { label: "Strong buy: risk-reward", kind: "decimal", unit: "R", help: "… and at least this many times the risk." },
  excellent_target_pct: { label: "Excellent: target at least", kind: "decimal", unit: "%", help: "An excellent setup's target is at least this far above the entry …" },
  excellent_risk_reward: { label: "Excellent: risk-reward", kind: "decimal", unit: "R", help: "… and at least this many times the risk." },
  stop_below_recent_low_pct: { label: "Stop below the recent low", kind: "decimal", unit: "%", help: "stop = min(recent low × (1 − this %), price × (1 − maximum stop %))." },
  max_stop_pct: { label: "Maximum stop", kind: "decimal", unit: "%", help: "The stop is at least this far under the price." },
  user_capital: { label: "Capital per position", kind: "decimal", unit: "₹", help: "The money one position may use (less for a thin stock)." },
  max_position_volume_ratio: { label: "Position vs daily traded value", kind: "decimal", unit: "fraction", help: "A position uses at most this fraction of the average daily traded value (volume × price)." },
  max_portfolio_size: { label: "Maximum holdings", kind: "int", unit: "stocks", help: "The 16:05 buys stop when this many stocks are held or ordered." },
  exit_ema_weight_ltp: { label: "Real-time EMA9: LTP weight", kind: "decimal", unit: "fraction", help: "The sell rests at LTP × this + yesterday's EMA9 × (1 − this), rounded up to the tick." },
  skip_exit_below_entry_ratio: { label: "No sell while EMA9 under entry ×", kind: "decimal", unit: "×", help: "No sell is placed while EMA9 is under the entry price times this." },
  exit_on_rsi_enabled: { label: "Also exit on RSI", kind: "bool", unit: "", help: "Sell as well when RSI rises above the level below." },
  exit_on_rsi_above: { label: "Exit when RSI above", kind: "decimal", unit: "RSI", help: "The RSI exit level." },
  reentry_levels: { label: "Re-entry RSI levels", kind: "int-list", unit: "RSI", help: "Average down once a day when RSI falls under each level in turn (decreasing, e.g. 30, 20, 10)." },
  reentry_reset_above: { label: "Re-entry reset above", kind: "decimal", unit: "RSI", help: "The levels taken are forgotten once RSI is back above this." },
};

export const PARAM_GROUPS: { title: string; description: string; keys: ParamKey[] }[] = [
  { title: "Indicators", description: "Computed on daily candles.", keys: ["rsi_period", "ema_periods", "avg_volume_days", "recent_low_days"] },
  { title: "Entry: RSI", description: "The dip to buy.", keys: ["rsi_oversold", "rsi_extreme_oversold", "rsi_near_oversold"] },
  {
    title: "Volume and liquidity",
    description: "Enough trading to confirm the dip and to get in and out.",
    keys: ["volume_ratio_min", "volume_ratio_min_oversold", "volume_ratio_strong", "min_avg_volume", "liquidity_tiers"],
  },
  {
    title: "Chart quality",
    description: "100 minus penalties; under the minimum the stock is avoided.",
    keys: [
      "chart_quality_enabled",
      "chart_quality_min_score",
      "chart_quality_window_days",
      "chart_quality_max_gap_frequency",
      "chart_quality_warn_gap_frequency",
      "chart_quality_gap_penalty",
      "chart_quality_warn_gap_penalty",
      "chart_quality_min_daily_range_pct",
      "chart_quality_flat_max_price_range_pct",
      "chart_quality_flat_penalty",
      "chart_quality_low_range_pct",
      "chart_quality_low_range_penalty",
      "chart_quality_extreme_days",
      "chart_quality_extreme_body_pct",
      "chart_quality_extreme_body_range_ratio",
      "chart_quality_max_extreme_candle_frequency",
      "chart_quality_warn_extreme_candle_frequency",
      "chart_quality_extreme_penalty",
      "chart_quality_warn_extreme_penalty",
    ],
  },
  { title: "Fundamentals", description: "Applied when PE and PB are known.", keys: ["pb_max_for_loss_maker"] },
  {
    title: "Scores and backtest",
    description: "Strength (0–25) and backtest (0–100) give the combined score that decides the verdict.",
    keys: [
      "min_combined_score",
      "strong_buy_min_combined_score",
      "excellent_min_combined_score",
      "backtest_years",
      "backtest_return_weight",
      "backtest_win_rate_weight",
      "backtest_buy_and_hold_weight",
      "backtest_full_return_pct",
      "backtest_full_excess_pct",
    ],
  },
  {
    title: "Targets and stop",
    description: "Per target tier; the target is rounded up and the stop down to the tick.",
    keys: ["buy_target_pct", "buy_risk_reward", "strong_buy_target_pct", "strong_buy_risk_reward", "excellent_target_pct", "excellent_risk_reward", "stop_below_recent_low_pct", "max_stop_pct"],
  },
  { title: "Sizing", description: "quantity = floor(capital / close), within the liquidity tier's cap.", keys: ["user_capital", "max_position_volume_ratio", "max_portfolio_size"] },
  { title: "Exit", description: "A LIMIT SELL CNC at the real-time EMA9, lowered as EMA9 falls.", keys: ["exit_ema_weight_ltp", "skip_exit_below_entry_ratio", "exit_on_rsi_enabled", "exit_on_rsi_above"] },
  { title: "Re-entry", description: "Averaging down on deeper dips, once a day.", keys: ["reentry_levels", "reentry_reset_above"] },
];

export const TASK_LABELS: Record<TaskKey, string> = {
  premarket_retry: "Pre-market retry",
  open_sells: "Open sells",
  sell_monitor: "Sell monitor",
  position_monitor: "Position monitor",
  analysis: "Analysis",
  amo_buys: "AMO buys",
  end_of_day: "End of day",
};

/** The form's values: text as typed (booleans as booleans), keyed like the API. */
export interface Draft {
  enabled: boolean;
  account: string;
  universe: string;
  market_data_source: string;
  timezone: string;
  params: Record<ParamKey, string | boolean>;
  schedule: Record<string, string>;
}

function paramText(kind: ParamKind, value: unknown): string | boolean {
  if (kind === "bool") return Boolean(value);
  if (kind === "int-list") return (value as number[]).join(", ");
  if (kind === "tiers") return (value as string[][]).map((tier) => tier.join(" ")).join("\n");
  return String(value ?? "");
}

export function toDraft(settings: StrategySettings): Draft {
  return {
    enabled: settings.enabled,
    account: settings.account ?? "",
    universe: settings.universe.join(", "),
    market_data_source: settings.market_data_source,
    timezone: settings.timezone,
    params: Object.fromEntries((Object.keys(PARAMS) as ParamKey[]).map((key) => [key, paramText(PARAMS[key].kind, settings.params[key])])) as Record<ParamKey, string | boolean>,
    schedule: { ...settings.schedule },
  };
}

const WHOLE = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function parseParam(kind: ParamKind, text: string | boolean): { value?: unknown; error?: string } {
  if (kind === "bool") return { value: Boolean(text) };
  const raw = String(text).trim();
  if (kind === "int") return WHOLE.test(raw) ? { value: Number(raw) } : { error: "Must be a whole number." };
  if (kind === "decimal") return NUMBER.test(raw) ? { value: raw } : { error: "Must be a number, such as 0.7 or 30." };
  if (kind === "int-list") {
    const parts = raw.split(/[\s,]+/).filter(Boolean);
    return parts.length && parts.every((p) => WHOLE.test(p)) ? { value: parts.map(Number) } : { error: "Whole numbers separated by commas." };
  }
  const lines = raw.split(/\n/).map((line) => line.trim()).filter(Boolean);
  const tiers = lines.map((line) => line.split(/[\s,:;]+/).filter(Boolean));
  return tiers.length && tiers.every((t) => t.length === 2 && t.every((n) => NUMBER.test(n))) ? { value: tiers } : { error: 'One "lowest price fraction" pair per line, such as "5000 0.02".' };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What changed, in the API's types, and the values that cannot be sent as typed. */
export function patchFrom(draft: Draft, current: StrategySettings): { patch: Record<string, unknown>; errors: Record<string, string> } {
  const patch: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  if (draft.enabled !== current.enabled) patch.enabled = draft.enabled;
  if ((draft.account || null) !== current.account) patch.account = draft.account || null;
  const universe = draft.universe.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (!same(universe, current.universe)) patch.universe = universe;
  if (draft.market_data_source.trim() !== current.market_data_source) patch.market_data_source = draft.market_data_source.trim();
  if (draft.timezone.trim() !== current.timezone) patch.timezone = draft.timezone.trim();
  const params: Record<string, unknown> = {};
  for (const key of Object.keys(PARAMS) as ParamKey[]) {
    const { value, error } = parseParam(PARAMS[key].kind, draft.params[key]);
    if (error) errors[`params.${key}`] = error;
    else if (!same(value, (current.params as StrategyParams)[key])) params[key] = value;
  }
  if (Object.keys(params).length) patch.params = params;
  const schedule: Record<string, string> = {};
  for (const [task, cron] of Object.entries(draft.schedule)) {
    const text = cron.trim().replace(/\s+/g, " ");
    if (text.split(" ").length !== 5) errors[`schedule.${task}`] = "Five fields: minute hour day-of-month month day-of-week.";
    else if (text !== current.schedule[task as TaskKey]) schedule[task] = text;
  }
  if (Object.keys(schedule).length) patch.schedule = schedule;
  return { patch, errors };
}

export function isDirty(draft: Draft | null, current: StrategySettings | undefined): boolean {
  if (!draft || !current) return false;
  return !same(draft, toDraft(current));
}
