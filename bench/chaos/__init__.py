"""Fault injection at fleet scale (issue 15): the real processes, broken on purpose, counted.

    .venv/bin/python -m bench.chaos               # every scenario, 7 to 11 minutes on 2 cores
    .venv/bin/python -m bench.chaos --only 3,6    # some of them

The stack (stack.py) is the production one: gunicorn web, two Celery workers, beat, the exchange
simulator, PostgreSQL, Redis. Alerts go through the real webhook (harness.py); figures come
from our database and from the simulator's own order book (audit.py). One module per scenario:

1. s1_worker_kills       workers SIGKILLed during order placement, alerts flowing
2. s2_exchange_faults    the exchange fails 30 % of calls, some after applying the order
3. s3_duplicate_alert    one alert delivered 10x at the same instant
4. s4_redis_restart      Redis shut down (nothing saved) and started again under load
5. s5_db_kills           every database connection terminated under load
6. s6_restart_reconcile  web and workers down while the price moves through resting orders

Each returns its figures and each expectation as (measured, met); the runner (__main__.py)
prints a table and writes the JSON to /tmp/tf-chaos/. Operators' page:
docs/operations/fault-injection.md.
"""
