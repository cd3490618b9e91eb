"""The NSE strategy's use cases: its settings, the seven tasks, the analysis, buys and sells."""
