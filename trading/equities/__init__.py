"""NSE equities: the scheduled oversold-dip strategy (issue 17)."""
