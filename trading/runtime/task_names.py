"""The name of every Celery task of the trading app, and the message priorities.

The names are the wire format: messages waiting in the broker and beat's rows in the database
(the global entries of CELERY_BEAT_SCHEDULE and every user's scheduled tasks) carry them, so
they stay what they were before the code moved into subpackages.

A service enqueues its own subpackage's task by name (`config.tasks.task_named(PLACE_ORDER)`):
the `tasks.py` module imports the service, and an import back would be a cycle. Every task
module is imported when the app is ready (trading/apps.py), so the name always resolves to the
registered task, in web processes and workers alike.
"""

# execution
PLACE_ORDER = "trading.tasks.place_order"
PLACE_ORDERS = "trading.tasks.place_orders"
CANCEL_ORDER = "trading.tasks.cancel_order"
MONITOR_FILLS = "trading.tasks.monitor_fills"
MONITOR_FILL_BATCH = "trading.tasks.monitor_fill_batch"
MONITOR_ACCOUNT = "trading.tasks.monitor_account"
SWEEP_ORDERS = "trading.tasks.sweep_orders"
RECONCILE_ALL = "trading.tasks.reconcile_all"
RECONCILE_ACCOUNT = "trading.tasks.reconcile_account"
CLOSE_GROUP = "trading.tasks.close_group"
REDUCE_GROUP = "trading.tasks.reduce_group"
# takeprofit
CHECK_TAKE_PROFITS = "trading.tasks.check_take_profits"
TAKE_PROFIT_BATCH = "trading.tasks.take_profit_batch"
TAKE_PROFIT_PARTITION = "trading.tasks.take_profit_partition"
# queue
PROCESS_SIGNAL = "trading.tasks.process_signal"
SWEEP_SIGNALS = "trading.tasks_queue.sweep_signals"
SWEEP_QUEUES = "trading.tasks_queue.sweep_queues"
PROMOTE_QUEUES = "trading.tasks_queue.promote_queues"
# signals
REPORT_WEBHOOK_AUTH_FAILURES = "trading.signals.tasks.report_webhook_auth_failures"
# risk
RISK_TICK = "trading.tasks_risk.risk_tick"
RISK_USERS = "trading.tasks_risk.risk_users"
# service
SERVICE_HEARTBEAT = "trading.tasks_service.service_heartbeat"
RUN_USER_TASK = "trading.tasks_service.run_user_task"
TASK_HISTORY_RETENTION = "trading.tasks_service.task_history_retention"
# equities (the NSE strategy's seven tasks, one message per user and task)
RUN_STRATEGY_TASK = "trading.tasks_equities.run_strategy_task"

# Redis empties the lower priority step first; everything else has CELERY_TASK_DEFAULT_PRIORITY
# (5). A new signal never waits behind the order and monitor tasks of earlier ones.
SIGNAL_PRIORITY = 1
# Take-profit batches go before the other tasks: each is cheap, decides stop losses and targets
# at a price that is stale after 14 s, and must not wait behind a fill tick's batches when the
# exchange's rate limit stretches them (signals still come first).
TAKE_PROFIT_PRIORITY = 3
# Reconciliation goes after everything else: every worker that starts sends it, and it shares the
# exchange's rate limit with order placement (5), which a restart storm must not hold back.
RECONCILE_PRIORITY = 7
