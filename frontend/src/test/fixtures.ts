import type { Position, PositionDetail } from "@/api/types";

export function position(overrides: Partial<Position> = {}): Position {
  return {
    id: "g1",
    exchange: "simulator",
    account: "a1",
    account_label: "default",
    symbol: "BTC/USDT",
    timeframe: "60",
    side: "long",
    status: "live",
    pyramid_count: 1,
    max_pyramids: 5,
    legs_filled: 0,
    legs_total: 3,
    avg_entry: null,
    filled_quantity: "0",
    unrealized_pnl: "0",
    unrealized_pnl_percent: "0",
    realized_pnl: "0",
    fees: "0",
    tp_mode: "per_leg",
    tp_target_price: null,
    trailing_active: false,
    last_price: "100",
    close_reason: "",
    opened_at: "2026-03-01T10:00:00Z",
    closed_at: null,
    base_currency: "BTC",
    quote_currency: "USDT",
    invested: "0",
    current_price: "100",
    exit_price: null,
    realized_pnl_percent: null,
    exit_reason: "",
    exit_reason_label: "",
    duration_seconds: 0,
    ...overrides,
  };
}

export function detail(overrides: Partial<PositionDetail> = {}): PositionDetail {
  const leg = (id: string, level: number, price: string, status: "open" | "filled", extra = {}) => ({
    id,
    level,
    price,
    quantity: "1",
    status,
    filled_price: status === "filled" ? price : null,
    filled_quantity: status === "filled" ? "1" : "0",
    fees: "0",
    tp_price: String(Number(price) * 1.01),
    tp_status: status === "filled" ? ("placed" as const) : ("none" as const),
    client_order_id: `c-${id}`,
    exchange_order_id: `x-${id}`,
    last_error: "",
    ...extra,
  });
  return {
    ...position({ status: "partially_filled", legs_filled: 1, avg_entry: "100", filled_quantity: "1", tp_target_price: "101" }),
    pyramids: [
      {
        index: 0,
        entry_price: "100",
        capital: "300",
        created_at: "2026-03-01T10:00:00Z",
        legs: [leg("o1", 0, "100", "filled"), leg("o2", 1, "99", "open"), leg("o3", 2, "98", "open")],
      },
    ],
    exit_orders: [],
    fills: [{ id: "f1", order: "o1", price: "100", quantity: "1", fee: "0", fee_asset: "USDT", fee_quote: "0", executed_at: "2026-03-01T10:00:05Z" }],
    signals: [],
    stop_price: null,
    ...overrides,
  };
}
