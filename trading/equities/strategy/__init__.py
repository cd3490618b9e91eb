"""The NSE equities strategy core, pure (no Django): Decimal in, Decimal out, candles oldest first.

- `params`: every number of the strategy, with its default and validation (`StrategyParams`).
- `indicators`: EMA, Wilder's RSI, SMA and the last bar's `Snapshot`.
- `chart_quality`: 100 minus penalties for gappy, flat or erratic charts.
- `rules`: the entry check, RSI threshold, sizing, targets, the EMA9 exit and re-entry levels.
- `scoring`, `backtest`, `scan`: scores, the two-year backtest and one symbol's verdict.
"""
