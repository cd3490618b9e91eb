"""Paper trading for NSE equities: a simulated Indian cash account (INR, CNC holdings, MIS day
positions, AMO, limit orders, the statutory charges) filled at another broker's public prices.

    charges.py   the Indian charges on one order, pure (brokerage, STT, exchange, SEBI, GST, stamp)
    fills.py     prices, cash blocks, sellable shares: pure
    models.py    the ledger (imported at the end of brokers/models.py)
    ledger.py    the ledger's moves: row locks, cash and share blocks, fills
    engine.py    placing, modifying and cancelling orders (locked, one transaction each)
    catch_up.py  what time does to an account: AMOs at the open, limit fills, MIS square-off, expiry
    adapter.py   PaperEquitiesAdapter, the EquitiesBrokerAdapter the rest of the platform uses
    kind.py      the `paper_nse` catalog entry
    services.py  creating the ledger of a new paper_nse account
"""
