// The trading settings, grouped and explained as the trading-config page shows them. Values
// are kept as the API sends them: integers as numbers, decimals as strings, lists as JSON.
import type { TradingConfigValues } from "@/api/types";

export type FieldKind = "int" | "int?" | "decimal" | "decimal?" | "bool" | "json" | "order-type" | "choice";
export type ConfigKey = keyof TradingConfigValues;

export interface FieldSpec {
  key: ConfigKey;
  label: string;
  kind: FieldKind;
  help?: string;
  /** What an empty value means, e.g. "the active model". */
  empty?: string;
  /** The values of a "choice" field. */
  options?: { value: string; label: string; help: string }[];
}

export const SECTIONS: { title: string; fields: FieldSpec[] }[] = [
  {
    title: "Capital and pool",
    fields: [
      { key: "user_capital", label: "Capital", kind: "decimal", help: "Your trading capital in quote currency (> 0, up to 10M)" },
      { key: "capital_per_trade_percent", label: "Capital per trade %", kind: "decimal" },
      { key: "max_portfolio_size", label: "Max portfolio size", kind: "int", help: "1 to 20 pairs" },
      { key: "max_open_groups", label: "Max open groups (pool)", kind: "int", help: "Live groups at once; more signals wait in the queue" },
      { key: "pyramids_bypass_pool", label: "Pyramids bypass the pool", kind: "bool" },
      { key: "max_total_exposure", label: "Max total exposure", kind: "decimal?" },
      { key: "max_realized_loss_per_day", label: "Max realized loss per day", kind: "decimal?", help: "The queue stops promoting past it (circuit breaker)" },
      { key: "max_signal_age_seconds", label: "Max signal age (s)", kind: "int" },
    ],
  },
  {
    title: "Entries and exits",
    fields: [
      { key: "auto_trading_enabled", label: "Auto trading", kind: "bool" },
      { key: "allow_pyramiding", label: "Allow pyramiding", kind: "bool" },
      { key: "default_order_type", label: "Default order type", kind: "order-type" },
      { key: "take_profit_percent", label: "Take-profit %", kind: "decimal" },
      { key: "stop_loss_percent", label: "Stop loss %", kind: "decimal?" },
      { key: "trailing_stop_percent", label: "Trailing stop %", kind: "decimal?" },
      { key: "risk_reward_ratio", label: "Risk-reward ratio", kind: "decimal", help: "At least 1" },
    ],
  },
  {
    title: "Risk engine",
    fields: [
      { key: "risk_engine_enabled", label: "Risk engine on", kind: "bool" },
      { key: "loss_threshold_percent", label: "Loss threshold %", kind: "decimal", help: "A group losing more than this is eligible" },
      { key: "required_pyramids_for_timer", label: "Pyramids before the timer", kind: "int" },
      { key: "post_full_wait_minutes", label: "Wait after full (min)", kind: "int" },
      { key: "max_winners_to_combine", label: "Max winners to combine", kind: "int" },
    ],
  },
  {
    title: "Scanner",
    fields: [
      { key: "rsi_period", label: "RSI period", kind: "int" },
      { key: "rsi_oversold", label: "RSI oversold", kind: "decimal", help: "0-100, below near-oversold" },
      { key: "rsi_near_oversold", label: "RSI near oversold", kind: "decimal" },
      { key: "rsi_overbought", label: "RSI overbought", kind: "decimal" },
      { key: "min_volume_usd", label: "Min volume (USD)", kind: "decimal" },
      { key: "chart_quality_min", label: "Min chart quality", kind: "decimal" },
    ],
  },
  {
    title: "Advanced",
    fields: [
      { key: "queue_rules", label: "Queue rules (JSON)", kind: "json" },
      { key: "task_schedule", label: "Task schedule (JSON)", kind: "json" },
    ],
  },
];

/** The ML filter: whether the strategy asks a model, which one, and how its verdict counts. */
export const ML_FIELDS: FieldSpec[] = [
  { key: "ml_enabled", label: "Filter my buys with the ML model", kind: "bool", help: "Off: the strategy's rules alone decide" },
  { key: "ml_model_version", label: "Model version", kind: "int?", empty: "the active model", help: "Pin a version, or follow whichever model the admins activate" },
  { key: "ml_min_confidence", label: "Min confidence", kind: "decimal", help: "0 to 1: the model's verdict counts only this sure" },
  {
    key: "ml_combine",
    label: "How the model counts",
    kind: "choice",
    options: [
      { value: "filter", label: "Filter", help: "The model drops a rules' buy it calls avoid or watch with at least that confidence." },
      { value: "require_both", label: "Require both", help: "A buy needs the rules and the model's buy or strong buy with at least that confidence." },
    ],
  },
];

const ALL_FIELDS: FieldSpec[] = [...SECTIONS.flatMap((section) => section.fields), ...ML_FIELDS];

export type Draft = Partial<Record<ConfigKey, string | boolean>>;

export function toDraft(values: TradingConfigValues): Draft {
  const draft: Draft = {};
  for (const field of ALL_FIELDS) {
    const value = values[field.key];
    draft[field.key] = field.kind === "bool" ? Boolean(value) : field.kind === "json" ? JSON.stringify(value ?? [], null, 2) : value === null || value === undefined ? "" : String(value);
  }
  return draft;
}

export function display(field: FieldSpec, value: unknown): string {
  if (value === null || value === undefined || value === "") return field.empty ?? "empty";
  if (field.kind === "bool") return value ? "on" : "off";
  if (field.kind === "json") return JSON.stringify(value);
  if (field.kind === "choice") return field.options?.find((option) => option.value === value)?.label ?? String(value);
  return String(value);
}

/** Only what changed, in the API's types; a JSON field that does not parse is a field error. */
export function patchFrom(draft: Draft, current: TradingConfigValues): { patch: Partial<TradingConfigValues>; errors: Record<string, string> } {
  const patch: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const before = toDraft(current);
  for (const field of ALL_FIELDS) {
    const value = draft[field.key];
    if (value === before[field.key]) continue;
    if (field.kind === "bool") patch[field.key] = Boolean(value);
    else if (field.kind === "int" || (field.kind === "int?" && String(value).trim() !== "")) {
      const n = Number(value);
      if (!Number.isInteger(n)) errors[field.key] = "A whole number is required.";
      else patch[field.key] = n;
    } else if (field.kind === "int?") patch[field.key] = null;
    else if (field.kind === "json") {
      try {
        patch[field.key] = JSON.parse(String(value));
      } catch {
        errors[field.key] = "Not valid JSON.";
      }
    } else if (field.kind === "decimal?") patch[field.key] = String(value).trim() === "" ? null : String(value).trim();
    else patch[field.key] = String(value).trim();
  }
  return { patch: patch as Partial<TradingConfigValues>, errors };
}
