// 3Commas' published example as the preview endpoint returns it (tests only): one unit at
// 10000, 9800 and 9600 with a 1 % take-profit on the average. Averages 10000, 9900, 9800;
// targets 10100, 9999, 9898; rebounds 1, 199/9800 and 298/9600.
import type { Preview } from "@/api/types";

export function threeCommasExample(overrides: Partial<Preview> = {}): Preview {
  return {
    entry_price: "10000",
    entry_price_source: "given",
    capital: "29400",
    capital_source: "given",
    tick_size: "0.01",
    step_size: "0.001",
    tp_aggregate_percent: "1",
    total_notional: "29400.000",
    max_deviation_percent: "4.00",
    legs: [
      { level: 0, price: "10000.00", quantity: "1.000", notional: "10000.000", tp_price: "10100.00", deviation_percent: "0.00", cumulative_quantity: "1.000", cumulative_notional: "10000.000", average_price: "10000.00", average_tp_price: "10100.00", rebound_percent: "1.00" },
      { level: 1, price: "9800.00", quantity: "1.000", notional: "9800.000", tp_price: "9898.00", deviation_percent: "-2.00", cumulative_quantity: "2.000", cumulative_notional: "19800.000", average_price: "9900.00", average_tp_price: "9999.00", rebound_percent: "2.03" },
      { level: 2, price: "9600.00", quantity: "1.000", notional: "9600.000", tp_price: "9696.00", deviation_percent: "-4.00", cumulative_quantity: "3.000", cumulative_notional: "29400.000", average_price: "9800.00", average_tp_price: "9898.00", rebound_percent: "3.10" },
    ],
    ...overrides,
  };
}
