"""What an import will write, decided against the trader's rows as they are now: which records
are new, which are duplicates of rows already there, which cannot land (an open position already
held, no paper ledger), and how records of the same day and stock merge into one recommendation.

The dry run shows this plan; the apply computes it again inside its transaction, so a row that
appeared since the dry run is skipped, never written twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brokers.models import ExchangeConfig
from brokers.paper_equities.models import (
    PaperEquityAccount,
    PaperEquityHolding,
    PaperEquityOrder,
    PaperEquityTrade,
)
from trading.equities.models import Recommendation, RecommendationStatus
from trading.positions.models import OPEN_GROUP_STATUSES, DCAOrder, OrderRole, PositionGroup, Pyramid

from . import formats as f
from .fields import Problem, india_day

PAPER_NSE = "paper_nse"
TIMEFRAME = "1d"
SIDE = "long"
PENDING_MAX_AGE = timedelta(hours=24)  # the 18:00 task drops pending orders older than this
ZERO = Decimal(0)

MAPPING = {
    f.TRADE: (
        "position group on the chosen account (closed, or active when open) + pyramid + one filled AMO "
        "buy order and fill, one more per re-entry + for a closed trade the filled sell order and fill "
        "(reason = exit_reason) + strategy position (entry RSI/EMAs, levels taken)"
    ),
    f.FAILED_ORDER: "recommendation with status failed and its reason (the day it failed)",
    f.PENDING_ORDER: (
        "recommendation with status ordered (expired when placed over 24 h ago), filled, failed or "
        "expired; no order is sent"
    ),
    f.RECOMMENDED: "recommendation with status planned (expired when its day is past)",
    f.PAPER_ORDER: "paper NSE ledger order (one still open in the old service as expired: never filled now)",
    f.PAPER_HOLDING: "paper NSE ledger holding (delivery shares; the cash is not changed)",
    f.PAPER_TRANSACTION: "paper NSE ledger trade (fill) of its order, with its charges",
}


@dataclass
class RecommendationRow:
    day: date
    symbol: str
    verdict: str
    combined: Decimal
    close: Decimal
    quantity: int
    target: Decimal | None
    stop: Decimal | None
    status: str
    reason: str

    @property
    def capital(self) -> Decimal:
        return self.close * self.quantity


@dataclass
class Plan:
    account: ExchangeConfig | None
    paper: PaperEquityAccount | None
    trades: list[f.Trade] = field(default_factory=list)
    recommendations: list[RecommendationRow] = field(default_factory=list)
    paper_orders: list[f.PaperOrder] = field(default_factory=list)
    paper_transactions: list[f.PaperTransaction] = field(default_factory=list)
    paper_holdings: list[f.PaperHolding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(kind, {"read": 0, "to_create": 0, "duplicates": 0, "problems": 0})[what] += n

    def problem(self, kind: str, record: Any, name: str, message: str, *, blocking: bool = False) -> None:
        self.problems.append(
            Problem(f.FILE_OF_KIND[kind], getattr(record, "line", 0), name, message, blocking)
        )
        self.count(kind, "problems")

    @property
    def blocking(self) -> bool:
        return any(p.blocking for p in self.problems)

    def mapping(self) -> list[dict[str, Any]]:
        rows = []
        for kind in f.KINDS:
            if kind in self.counts:
                label = f"{f.FILE_OF_KIND[kind]} {kind.replace('_', ' ')}"
                rows.append({"from": label, "to": MAPPING[kind], "count": self.counts[kind]["to_create"]})
        return rows


def paper_account_of(user: Any, account: ExchangeConfig | None) -> PaperEquityAccount | None:
    """The ledger the paper files go to: the chosen account when it is paper, else the trader's
    default (or first) paper NSE account."""
    if account is not None and account.exchange == PAPER_NSE:
        configs = [account]
    else:
        configs = list(
            ExchangeConfig.objects.filter(user=user, exchange=PAPER_NSE).order_by("-is_default", "created_at")
        )
    for config in configs:
        ledger = PaperEquityAccount.objects.filter(config=config).select_related("config").first()
        if ledger is not None:
            return ledger
    return None


def make_plan(
    *, user: Any, parsed: f.Parsed, account: ExchangeConfig | None, now: datetime | None = None
) -> Plan:
    now = now or timezone.now()
    plan = Plan(account=account, paper=None)
    for kind in f.KINDS:
        if parsed.read.get(kind):
            plan.count(kind, "read", parsed.read[kind])
            plan.count(kind, "problems", parsed.problem_counts.get(kind, 0))
    _plan_trades(plan, user, parsed.of(f.TRADE))
    _plan_recommendations(plan, user, parsed, now)
    if any(parsed.of(kind) for kind in (f.PAPER_ORDER, f.PAPER_HOLDING, f.PAPER_TRANSACTION)):
        plan.paper = paper_account_of(user, account)
        if plan.paper is None:
            for kind in (f.PAPER_ORDER, f.PAPER_HOLDING, f.PAPER_TRANSACTION):
                for record in parsed.of(kind):
                    plan.problem(
                        kind,
                        record,
                        "",
                        "Skipped: you have no paper NSE account. Connect one (Accounts), then import again.",
                    )
        else:
            _plan_paper(plan, parsed)
    return plan


# --- trades --------------------------------------------------------------------------------------


def _existing_trade_keys(user: Any, trades: list[f.Trade]) -> set[tuple[str, datetime, Decimal, int]]:
    """The (symbol, entry time, entry price, first quantity) of the trader's groups that could
    match: its first pyramid's entry price and its first buy's quantity."""
    if not trades:
        return set()
    groups = PositionGroup.objects.filter(
        user=user, symbol__in={t.symbol for t in trades}, opened_at__in={t.entry_time for t in trades}
    )
    prices = {
        row["group_id"]: row["entry_price"]
        for row in Pyramid.objects.filter(group__in=groups, index=0).values("group_id", "entry_price")
    }
    quantities = {
        row["group_id"]: row["quantity"]
        for row in DCAOrder.objects.filter(group__in=groups, role=OrderRole.LEG, level=0).values(
            "group_id", "quantity"
        )
    }
    keys = set()
    for group in groups.values("id", "symbol", "opened_at"):
        price, quantity = prices.get(group["id"]), quantities.get(group["id"])
        if price is not None and quantity is not None and quantity == int(quantity):
            keys.add((group["symbol"], group["opened_at"], price, int(quantity)))
    return keys


def _plan_trades(plan: Plan, user: Any, trades: list[f.Trade]) -> None:
    existing = _existing_trade_keys(user, trades)
    held: set[str] = set()
    if plan.account is not None and any(t.status == "open" for t in trades):
        held = set(
            PositionGroup.objects.filter(
                user=user,
                account=plan.account,
                timeframe=TIMEFRAME,
                side=SIDE,
                status__in=OPEN_GROUP_STATUSES,
            ).values_list("symbol", flat=True)
        )
    seen: set[tuple[str, datetime, Decimal, int]] = set()
    for trade in trades:
        if trade.key in existing or trade.key in seen:
            plan.count(f.TRADE, "duplicates")
            continue
        seen.add(trade.key)
        if trade.status == "open":
            if trade.symbol in held:
                plan.problem(
                    f.TRADE,
                    trade,
                    "status",
                    f"Skipped: an open {trade.symbol} position already exists on this account (one open "
                    "position per stock); close it or import the trade to another account.",
                )
                continue
            held.add(trade.symbol)
        plan.trades.append(trade)
        plan.count(f.TRADE, "to_create")


# --- recommendations -----------------------------------------------------------------------------


def _pending_row(order: f.PendingOrder, now: datetime) -> tuple[str, str]:
    where = f"Broker order {order.order_id} ({order.order_type} {order.variety})"
    if order.status == "pending":
        if now - order.placed_at > PENDING_MAX_AGE:
            return RecommendationStatus.EXPIRED, f"{where} was pending over 24 h in the old service."
        return RecommendationStatus.ORDERED, f"{where} was pending in the old service."
    if order.status == "filled":
        return RecommendationStatus.FILLED, f"{where} executed {order.executed_qty or order.qty}."
    if order.status == "failed":
        return (
            RecommendationStatus.FAILED,
            f"{where} was rejected: {order.rejection_reason or 'no reason given'}.",
        )
    return RecommendationStatus.EXPIRED, f"{where} was cancelled."


def _plan_recommendations(plan: Plan, user: Any, parsed: f.Parsed, now: datetime) -> None:
    today = india_day(now)
    sources: list[tuple[str, Any, date]] = (
        [(f.RECOMMENDED, r, r.date) for r in parsed.of(f.RECOMMENDED)]
        + [(f.FAILED_ORDER, r, india_day(r.failed_at)) for r in parsed.of(f.FAILED_ORDER)]
        + [(f.PENDING_ORDER, r, india_day(r.placed_at)) for r in parsed.of(f.PENDING_ORDER)]
    )
    if not sources:
        return
    existing = set(
        Recommendation.objects.filter(
            user=user, symbol__in={r.symbol for _, r, _ in sources}, day__in={d for _, _, d in sources}
        ).values_list("day", "symbol")
    )
    rows: dict[tuple[date, str], RecommendationRow] = {}
    for kind, record, day in sources:
        key = (day, record.symbol)
        if key in existing:
            plan.count(kind, "duplicates")
            continue
        row = rows.get(key)
        if kind == f.RECOMMENDED:
            if row is not None:
                plan.count(kind, "duplicates")
                continue
            status = RecommendationStatus.EXPIRED if day < today else RecommendationStatus.PLANNED
            rows[key] = RecommendationRow(
                day=day,
                symbol=record.symbol,
                verdict=record.verdict,
                combined=record.combined_score,
                close=record.close,
                quantity=record.qty,
                target=record.target,
                stop=record.stop,
                status=status,
                reason="Imported from system_recommended_symbols.json.",
            )
        else:
            if kind == f.FAILED_ORDER:
                status, reason = RecommendationStatus.FAILED, record.reason or "Failed in the old service."
                close = record.price
            else:
                status, reason = _pending_row(record, now)
                close = record.price
            if row is None:
                row = rows[key] = RecommendationRow(
                    day=day,
                    symbol=record.symbol,
                    verdict=getattr(record, "verdict", "") or "imported",
                    combined=getattr(record, "combined_score", None) or ZERO,
                    close=close or ZERO,
                    quantity=record.qty,
                    target=getattr(record, "target", None),
                    stop=getattr(record, "stop", None),
                    status=status,
                    reason=reason,
                )
            else:  # what became of the buy says more than the plan: it wins
                row.status, row.reason, row.quantity = status, reason, record.qty
                row.close = row.close or close or ZERO
        plan.count(kind, "to_create")
    plan.recommendations = list(rows.values())


# --- the paper ledger ----------------------------------------------------------------------------


def _plan_paper(plan: Plan, parsed: f.Parsed) -> None:
    ledger = plan.paper
    assert ledger is not None  # noqa: S101  # make_plan calls this only with a ledger
    orders: list[f.PaperOrder] = parsed.of(f.PAPER_ORDER)
    known = dict(
        PaperEquityOrder.objects.filter(
            account=ledger,
            client_order_id__in={o.order_id for o in orders}
            | {t.order_id for t in parsed.of(f.PAPER_TRANSACTION)},
        ).values_list("client_order_id", "id")
    )
    in_file: dict[str, f.PaperOrder] = {}
    for order in orders:
        if order.order_id in known or order.order_id in in_file:
            plan.count(f.PAPER_ORDER, "duplicates")
            continue
        in_file[order.order_id] = order
        if order.status == "open":
            plan.problem(
                f.PAPER_ORDER,
                order,
                "status",
                "Still open in the old service: imported as expired, so the paper engine never fills it.",
            )
        plan.paper_orders.append(order)
        plan.count(f.PAPER_ORDER, "to_create")
    _plan_transactions(plan, parsed.of(f.PAPER_TRANSACTION), in_file, known)
    _plan_holdings(plan, ledger, parsed.of(f.PAPER_HOLDING))


def _plan_transactions(
    plan: Plan,
    transactions: Iterable[f.PaperTransaction],
    in_file: dict[str, f.PaperOrder],
    known: dict[str, Any],
) -> None:
    stored = {
        (row["order__client_order_id"], row["executed_at"], row["price"], row["quantity"])
        for row in PaperEquityTrade.objects.filter(order_id__in=known.values()).values(
            "order__client_order_id", "executed_at", "price", "quantity"
        )
    }
    filled: dict[str, int] = {}
    for tx in transactions:
        if (tx.order_id, tx.timestamp, tx.price, tx.quantity) in stored:
            plan.count(f.PAPER_TRANSACTION, "duplicates")
            continue
        order = in_file.get(tx.order_id)
        if order is None and tx.order_id not in known:
            plan.problem(
                f.PAPER_TRANSACTION,
                tx,
                "order_id",
                f"No paper order {tx.order_id} in orders.json or your paper ledger.",
                blocking=True,
            )
            continue
        if order is not None:
            if (order.symbol, order.transaction_type) != (tx.symbol, tx.transaction_type):
                plan.problem(
                    f.PAPER_TRANSACTION,
                    tx,
                    "symbol",
                    f"Order {tx.order_id} is a {order.transaction_type} of {order.symbol}, not a "
                    f"{tx.transaction_type} of {tx.symbol}.",
                    blocking=True,
                )
                continue
            filled[tx.order_id] = filled.get(tx.order_id, 0) + tx.quantity
            if filled[tx.order_id] > order.quantity:
                plan.problem(
                    f.PAPER_TRANSACTION,
                    tx,
                    "quantity",
                    f"Order {tx.order_id}'s transactions add up to more than its {order.quantity} shares.",
                    blocking=True,
                )
                continue
        plan.paper_transactions.append(tx)
        plan.count(f.PAPER_TRANSACTION, "to_create")


def _plan_holdings(plan: Plan, ledger: PaperEquityAccount, holdings: Iterable[f.PaperHolding]) -> None:
    holdings = list(holdings)
    there = dict(
        PaperEquityHolding.objects.filter(
            account=ledger, symbol__in={h.symbol for h in holdings}
        ).values_list("symbol", "quantity")
    )
    for holding in holdings:
        if holding.quantity == 0:
            continue  # nothing held: nothing to write
        if holding.symbol in there:
            if there[holding.symbol] == holding.quantity:
                plan.count(f.PAPER_HOLDING, "duplicates")
            else:
                plan.problem(
                    f.PAPER_HOLDING,
                    holding,
                    "symbol",
                    f"Skipped: your paper ledger already holds a {holding.symbol} row "
                    f"({there[holding.symbol]} shares); it is not overwritten.",
                )
            continue
        plan.paper_holdings.append(holding)
        plan.count(f.PAPER_HOLDING, "to_create")
