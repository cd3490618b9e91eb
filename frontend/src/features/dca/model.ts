// The editor's state (every number as the string the user typed) and the API body made from it.
import type { DCAConfig, DCAConfigWrite, DCALevel, PreviewRequest } from "@/api/types";

export type Form = "explicit" | "threecommas";

export interface DcaDraft {
  form: Form;
  exchange: string;
  symbol: string;
  timeframe: string;
  levels: DCALevel[];
  base_order: string;
  safety_order: string;
  safety_orders: string;
  step_percent: string;
  step_scale: string;
  volume_scale: string;
  active_safety_orders: string;
  entry_order_type: "limit" | "market";
  tp_mode: "per_leg" | "aggregate" | "hybrid" | "pyramid_aggregate";
  tp_aggregate_percent: string;
  trailing_deviation_percent: string;
  stop_loss_percent: string;
  max_pyramids: string;
  cancel_dca_beyond_percent: string;
  capital_per_pyramid: string;
  max_total_exposure: string;
}

export const DEFAULT_LEVELS: DCALevel[] = [
  { gap_percent: "0", weight_percent: "40", tp_percent: "1" },
  { gap_percent: "-1", weight_percent: "30", tp_percent: "1" },
  { gap_percent: "-2", weight_percent: "30", tp_percent: "1.5" },
];

export function emptyDraft(exchange = "simulator"): DcaDraft {
  return {
    form: "explicit",
    exchange,
    symbol: "BTC/USDT",
    timeframe: "",
    levels: DEFAULT_LEVELS.map((l) => ({ ...l })),
    base_order: "100",
    safety_order: "50",
    safety_orders: "3",
    step_percent: "1",
    step_scale: "1.2",
    volume_scale: "1.5",
    active_safety_orders: "",
    entry_order_type: "limit",
    tp_mode: "per_leg",
    tp_aggregate_percent: "1",
    trailing_deviation_percent: "",
    stop_loss_percent: "",
    max_pyramids: "5",
    cancel_dca_beyond_percent: "",
    capital_per_pyramid: "1000",
    max_total_exposure: "",
  };
}

const s = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

export function draftFrom(config: DCAConfig): DcaDraft {
  return {
    form: config.form,
    exchange: config.exchange,
    symbol: config.symbol,
    timeframe: config.timeframe,
    levels: config.levels.map((l) => ({ ...l })),
    base_order: s(config.base_order),
    safety_order: s(config.safety_order),
    safety_orders: s(config.safety_orders),
    step_percent: s(config.step_percent),
    step_scale: s(config.step_scale),
    volume_scale: s(config.volume_scale),
    active_safety_orders: s(config.active_safety_orders),
    entry_order_type: config.entry_order_type,
    tp_mode: config.tp_mode,
    tp_aggregate_percent: s(config.tp_aggregate_percent),
    trailing_deviation_percent: s(config.trailing_deviation_percent),
    stop_loss_percent: s(config.stop_loss_percent),
    max_pyramids: s(config.max_pyramids),
    cancel_dca_beyond_percent: s(config.cancel_dca_beyond_percent),
    capital_per_pyramid: s(config.capital_per_pyramid),
    max_total_exposure: s(config.max_total_exposure),
  };
}

const orNull = (value: string): string | null => (value.trim() === "" ? null : value.trim());
const intOrNull = (value: string): number | null => (value.trim() === "" ? null : Number.parseInt(value, 10));

/** The grid part, in the chosen form only (the other form's fields are not sent). */
export function gridBody(draft: DcaDraft): Partial<DCAConfigWrite> {
  const grid: Partial<DCAConfigWrite> =
    draft.form === "explicit"
      ? { form: "explicit", levels: draft.levels.map((l) => ({ gap_percent: l.gap_percent.trim(), weight_percent: l.weight_percent.trim(), tp_percent: l.tp_percent.trim() })) }
      : {
          form: "threecommas",
          base_order: orNull(draft.base_order),
          safety_order: orNull(draft.safety_order),
          safety_orders: intOrNull(draft.safety_orders),
          step_percent: orNull(draft.step_percent),
          step_scale: orNull(draft.step_scale),
          volume_scale: orNull(draft.volume_scale),
          active_safety_orders: intOrNull(draft.active_safety_orders),
        };
  if (draft.tp_aggregate_percent.trim()) grid.tp_aggregate_percent = draft.tp_aggregate_percent.trim();
  return grid;
}

/** The preview request: in the 3Commas form the server sums the order sizes into the capital;
 * an empty entry price asks for the exchange's last price. */
export function previewBody(draft: DcaDraft, entryPrice: string): PreviewRequest {
  const body: PreviewRequest = { ...gridBody(draft), exchange: draft.exchange, symbol: draft.symbol.trim() } as PreviewRequest;
  if (draft.form === "explicit") body.capital = orNull(draft.capital_per_pyramid);
  if (entryPrice.trim()) body.entry_price = entryPrice.trim();
  return body;
}

export function writeBody(draft: DcaDraft): DCAConfigWrite {
  const body = {
    ...gridBody(draft),
    exchange: draft.exchange,
    symbol: draft.symbol.trim(),
    timeframe: draft.timeframe.trim(),
    entry_order_type: draft.entry_order_type,
    tp_mode: draft.tp_mode,
    trailing_deviation_percent: orNull(draft.trailing_deviation_percent),
    stop_loss_percent: orNull(draft.stop_loss_percent),
    max_pyramids: intOrNull(draft.max_pyramids) ?? 1,
    cancel_dca_beyond_percent: orNull(draft.cancel_dca_beyond_percent),
    capital_per_pyramid: orNull(draft.capital_per_pyramid),
    max_total_exposure: orNull(draft.max_total_exposure),
  } as DCAConfigWrite;
  // 3Commas sizes are absolute: the server sets the capital to their sum.
  if (draft.form === "threecommas") delete body.capital_per_pyramid;
  return body;
}

/** Whether saving would change anything: the draft's body against the one it started from. */
export function isDirty(draft: DcaDraft | null, saved: DcaDraft | null): boolean {
  if (!draft || !saved) return false;
  return JSON.stringify(writeBody(draft)) !== JSON.stringify(writeBody(saved));
}

export function weightSum(levels: DCALevel[]): number {
  return levels.reduce((sum, level) => sum + (Number(level.weight_percent) || 0), 0);
}
