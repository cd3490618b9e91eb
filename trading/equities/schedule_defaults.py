"""The seven tasks' default times (Asia/Kolkata, Monday to Friday; each run also checks that the
day is an NSE trading day) and what each does, in a trader's words. Pure: read by the settings
service, the beat-row sync and the docs."""

from __future__ import annotations

from collections.abc import Mapping

TIMEZONE = "Asia/Kolkata"

# Cron fields: minute hour day-of-month month day-of-week.
DEFAULT_SCHEDULE: dict[str, str] = {
    "premarket_retry": "0 9 * * 1-5",
    "open_sells": "15 9 * * 1-5",
    # Every minute of 09:00-15:59; the task itself acts only within 09:15-15:30.
    "sell_monitor": "* 9-15 * * 1-5",
    "position_monitor": "30 9-15 * * 1-5",
    "analysis": "0 16 * * 1-5",
    "amo_buys": "5 16 * * 1-5",
    "end_of_day": "0 18 * * 1-5",
}

DESCRIPTIONS: dict[str, str] = {
    "premarket_retry": "Retry yesterday's failed AMO buys: capacity, already held, an active order, "
    "fresh indicators, balance.",
    "open_sells": "Place the EMA9 limit sell for every holding.",
    "sell_monitor": "Detect executed sells (closed as ema9_target) and lower each limit as EMA9 falls.",
    "position_monitor": "Alerts only: exit reached, approaching the exit, averaging opportunities, "
    "moves of 3 % or more.",
    "analysis": "Scan your universe on today's close: indicators, rules, scores, backtest; "
    "the recommendations for 16:05.",
    "amo_buys": "Place a MARKET AMO CNC buy for each recommendation, up to your portfolio size.",
    "end_of_day": "Record the day's executions, cancel buys pending over 24 h, report holdings that "
    "differ from the broker's (trades made by hand), write the day's summary.",
}
assert DESCRIPTIONS.keys() == DEFAULT_SCHEDULE.keys()  # noqa: S101


def schedule_with_defaults(saved: Mapping[str, object] | None) -> dict[str, str]:
    """Every task's cron: the trader's (`saved`), else the default."""
    saved = saved or {}
    return {task: str(saved.get(task) or cron) for task, cron in DEFAULT_SCHEDULE.items()}
