"""Checking one record of each kind, pure: the clean record, or None with its problems (file,
line, field). Wrong values block the import; doubtful ones (a PnL that does not add up) are
reported and the import keeps what the orders say."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from .fields import Problem, Reader
from .records import (
    ORDER_TYPE,
    PAPER_HOLDINGS_FILE,
    PAPER_ORDER_ID,
    PAPER_ORDERS_FILE,
    PAPER_STATUS,
    PAPER_TRANSACTIONS_FILE,
    PENDING_FILE,
    PENDING_STATUS,
    PNL_TOLERANCE,
    PRODUCT,
    RECOMMENDED_FILE,
    SIDE,
    TRADE_STATUS,
    TRADES_FILE,
    VALIDITY,
    VARIETY,
    FailedOrder,
    PaperHolding,
    PaperOrder,
    PaperTransaction,
    PendingOrder,
    RecommendedSymbol,
    ReEntry,
    Trade,
)

# --- one record each -----------------------------------------------------------------------------

R = TypeVar("R")


def _object(reader_file: str, line: int, raw: Any, what: str, problems: list[Problem]) -> Reader | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(reader_file, line, "", f"{what} must be a JSON object."))
        return None
    return Reader(reader_file, line, raw)


def _done(reader: Reader, problems: list[Problem], record: R | None) -> R | None:
    problems.extend(reader.problems)
    return record if reader.ok else None


def _levels(reader: Reader) -> list[Any]:
    levels = []
    for item in reader.items("levels_taken"):
        if isinstance(item, bool) or not isinstance(item, int | Decimal | str):
            reader.problem("levels_taken", "Must be a list of RSI levels (numbers).")
            return []
        try:
            level = Decimal(str(item))
        except ArithmeticError:
            reader.problem("levels_taken", f"Not an RSI level: {str(item)[:20]!r}.")
            return []
        levels.append(int(level) if level == level.to_integral_value() else str(level))
    return levels


def _reentry(parent: Reader, index: int, raw: Any) -> ReEntry | None:
    if not isinstance(raw, Mapping):
        parent.problem(f"reentries[{index}]", "A re-entry must be a JSON object.")
        return None
    reader = Reader(parent.file, parent.line, raw, prefix=f"reentries[{index}].")
    qty = reader.integer("qty", required=True, minimum=1)
    price = reader.decimal("price", required=True, positive=True)
    moment = reader.moment("time", required=True)
    rsi = reader.decimal("rsi")
    level = reader.integer("level")
    parent.problems.extend(reader.problems)
    if not reader.ok or qty is None or price is None or moment is None:
        return None
    return ReEntry(qty=qty, price=price, time=moment, rsi=rsi, level=level)


def parse_trade(raw: Any, *, line: int, file: str = TRADES_FILE, problems: list[Problem]) -> Trade | None:
    reader = _object(file, line, raw, "A trade", problems)
    if reader is None:
        return None
    symbol = reader.symbol()
    entry_price = reader.decimal("entry_price", required=True, positive=True)
    entry_time = reader.moment("entry_time", required=True)
    qty = reader.integer("qty", required=True, minimum=1)
    status = reader.choice("status", TRADE_STATUS, required=True)
    capital = reader.decimal("capital", positive=True)
    reentries = [_reentry(reader, i, item) for i, item in enumerate(reader.items("reentries"))]
    exit_price = reader.decimal("exit_price", positive=True)
    exit_time = reader.moment("exit_time")
    record = None
    if status == "closed":
        if exit_price is None and "exit_price" not in {p.field for p in reader.problems}:
            reader.problem("exit_price", "Required for a closed trade.")
        if exit_time is None and "exit_time" not in {p.field for p in reader.problems}:
            reader.problem("exit_time", "Required for a closed trade.")
    elif status == "open" and (exit_price is not None or exit_time is not None):
        reader.problem("exit_price", "An open trade has no exit; the exit is ignored.", blocking=False)
        exit_price = exit_time = None
    if entry_time is not None:
        if exit_time is not None and exit_time < entry_time:
            reader.problem("exit_time", "Before the entry time.")
        for i, again in enumerate(reentries):
            if again is not None and again.time < entry_time:
                reader.problem(f"reentries[{i}].time", "Before the entry time.")
            if again is not None and exit_time is not None and again.time > exit_time:
                reader.problem(f"reentries[{i}].time", "After the exit time.")
    if reader.ok and symbol and status and entry_price is not None and entry_time is not None and qty:
        record = Trade(
            line=line,
            symbol=symbol,
            placed_symbol=reader.text("placed_symbol", max_length=40),
            ticker=reader.text("ticker", max_length=40),
            entry_price=entry_price,
            entry_time=entry_time,
            rsi10=reader.decimal("rsi10"),
            ema9=reader.decimal("ema9"),
            ema200=reader.decimal("ema200"),
            capital=capital if capital is not None else entry_price * qty,
            qty=qty,
            levels_taken=_levels(reader),
            status=status,
            entry_type=reader.text("entry_type", max_length=32),
            reentries=[r for r in reentries if r is not None],
            exit_price=exit_price,
            exit_time=exit_time,
            exit_reason=reader.text("exit_reason", max_length=64)
            or ("imported" if status == "closed" else ""),
            sell_order_id=reader.text("sell_order_id", max_length=64),
            pnl=reader.decimal("pnl"),
            pnl_pct=reader.decimal("pnl_pct"),
        )
        _check_pnl(reader, record)
    return _done(reader, problems, record)


def _check_pnl(reader: Reader, trade: Trade) -> None:
    """The file's own PnL against the one its buys and sell give: a different number usually means
    `qty` or `entry_price` was stored the other way (totals rather than the first buy's)."""
    if trade.pnl is None or trade.exit_price is None:
        return
    cost = trade.entry_price * trade.qty + sum((r.price * r.qty for r in trade.reentries), Decimal(0))
    computed = trade.exit_price * trade.total_qty - cost
    if abs(computed - trade.pnl) > PNL_TOLERANCE:
        reader.problem(
            "pnl",
            f"The file says {trade.pnl}; its buys and sell give {computed.quantize(Decimal('0.01'))}. "
            "The import keeps the orders' figure.",
            blocking=False,
        )


def parse_failed_order(
    raw: Any, *, line: int, file: str = TRADES_FILE, problems: list[Problem]
) -> FailedOrder | None:
    reader = _object(file, line, raw, "A failed order", problems)
    if reader is None:
        return None
    symbol = reader.symbol()
    qty = reader.integer("qty", required=True, minimum=1)
    failed_at = reader.moment("failed_at", required=True)
    record = None
    if reader.ok and symbol and qty is not None and failed_at is not None:
        record = FailedOrder(
            line=line,
            symbol=symbol,
            ticker=reader.text("ticker", max_length=40),
            qty=qty,
            price=reader.decimal("price", positive=True),
            reason=reader.text("reason"),
            failed_at=failed_at,
            verdict=reader.text("verdict", max_length=16).lower(),
            combined_score=reader.decimal("combined_score"),
            target=reader.decimal("target", positive=True),
            stop=reader.decimal("stop", positive=True),
        )
    return _done(reader, problems, record)


def parse_pending_order(
    raw: Any, *, line: int, file: str = PENDING_FILE, problems: list[Problem]
) -> PendingOrder | None:
    reader = _object(file, line, raw, "A pending order", problems)
    if reader is None:
        return None
    order_id = reader.text("order_id", required=True, max_length=64)
    symbol = reader.symbol()
    qty = reader.integer("qty", required=True, minimum=1)
    order_type = reader.choice("order_type", ORDER_TYPE, default="market")
    price = reader.decimal("price", positive=order_type == "limit", minimum=Decimal(0))
    if order_type == "limit" and price is None and "price" not in {p.field for p in reader.problems}:
        reader.problem("price", "Required for a LIMIT order.")
    variety = reader.text("variety", max_length=16).upper() or "AMO"
    if variety != "AMO":
        reader.problem(
            "variety", f"The old service placed AMO orders; {variety!r} is kept as it is.", blocking=False
        )
    placed_at = reader.moment("placed_at", required=True)
    status = reader.choice("status", PENDING_STATUS, required=True)
    executed_qty = reader.integer("executed_qty") or 0
    if qty is not None and executed_qty > qty:
        reader.problem("executed_qty", f"More than the {qty} ordered.")
    record = None
    if reader.ok and order_id and symbol and qty is not None and placed_at is not None and status:
        record = PendingOrder(
            line=line,
            order_id=order_id,
            symbol=symbol,
            ticker=reader.text("ticker", max_length=40),
            qty=qty,
            order_type=order_type,
            variety=variety,
            price=price,
            placed_at=placed_at,
            status=status,
            rejection_reason=reader.text("rejection_reason"),
            executed_qty=executed_qty,
        )
    return _done(reader, problems, record)


def parse_recommended(
    raw: Any, *, line: int, file: str = RECOMMENDED_FILE, problems: list[Problem]
) -> RecommendedSymbol | None:
    reader = _object(file, line, raw, "A recommended symbol", problems)
    if reader is None:
        return None
    symbol = reader.symbol()
    verdict = reader.text("verdict", required=True, max_length=16).lower()
    close = reader.decimal("close", required=True, positive=True)
    qty = reader.integer("qty", required=True, minimum=0)
    day = reader.day("date", required=True)
    record = None
    if reader.ok and symbol and verdict and close is not None and qty is not None and day is not None:
        record = RecommendedSymbol(
            line=line,
            symbol=symbol,
            ticker=reader.text("ticker", max_length=40),
            verdict=verdict,
            combined_score=reader.decimal("combined_score") or Decimal(0),
            close=close,
            qty=qty,
            target=reader.decimal("target", positive=True),
            stop=reader.decimal("stop", positive=True),
            date=day,
        )
    return _done(reader, problems, record)


def parse_paper_order(
    raw: Any, *, line: int, file: str = PAPER_ORDERS_FILE, problems: list[Problem]
) -> PaperOrder | None:
    reader = _object(file, line, raw, "A paper order", problems)
    if reader is None:
        return None
    order_id = reader.text("order_id", required=True, max_length=64)
    if order_id and not _paper_order_id_ok(order_id):
        reader.problem("order_id", f"Not a paper order id PTyyyymmddNNNN: {order_id[:40]!r}.")
    symbol = reader.symbol()
    quantity = reader.integer("quantity", required=True, minimum=1)
    order_type = reader.choice("order_type", ORDER_TYPE, required=True)
    side = reader.choice("transaction_type", SIDE, required=True)
    price = reader.decimal("price", minimum=Decimal(0))
    if order_type == "limit" and not price and "price" not in {p.field for p in reader.problems}:
        reader.problem("price", "Required (above 0) for a LIMIT order.")
    product = reader.choice("product_type", PRODUCT, default="CNC")
    variety = reader.choice("variety", VARIETY, default="REGULAR")
    exchange = reader.text("exchange", max_length=8).upper() or "NSE"
    if exchange != "NSE":
        reader.problem("exchange", "Paper trading here is on NSE only.")
    validity = reader.choice("validity", VALIDITY, default="DAY")
    status = reader.choice("status", PAPER_STATUS, required=True)
    placed_at = reader.moment("placed_at", required=True)
    executed_at = reader.moment("executed_at")
    executed_price = reader.decimal("executed_price", positive=True)
    executed_quantity = reader.integer("executed_quantity") or 0
    if quantity is not None and executed_quantity > quantity:
        reader.problem("executed_quantity", f"More than the {quantity} ordered.")
    if status == "executed":
        for name, value in (("executed_at", executed_at), ("executed_price", executed_price)):
            if value is None and name not in {p.field for p in reader.problems}:
                reader.problem(name, "Required for an executed order.")
        if not executed_quantity and "executed_quantity" not in {p.field for p in reader.problems}:
            reader.problem("executed_quantity", "Required (above 0) for an executed order.")
    if placed_at is not None and executed_at is not None and executed_at < placed_at:
        reader.problem("executed_at", "Before the order was placed.")
    record = None
    if reader.ok and order_id and symbol and quantity and order_type and side and status and placed_at:
        record = PaperOrder(
            line=line,
            order_id=order_id,
            symbol=symbol,
            quantity=quantity,
            order_type=order_type,
            transaction_type=side,
            price=price if order_type == "limit" else None,
            product_type=product,
            variety=variety,
            exchange=exchange,
            validity=validity,
            status=status,
            placed_at=placed_at,
            executed_at=executed_at,
            executed_price=executed_price,
            executed_quantity=executed_quantity,
        )
    return _done(reader, problems, record)


def _paper_order_id_ok(order_id: str) -> bool:
    match = PAPER_ORDER_ID.match(order_id)
    if match is None:
        return False
    try:
        datetime.strptime(match.group(1), "%Y%m%d")  # noqa: DTZ007  # only checks the date is real
    except ValueError:
        return False
    return True


def parse_paper_holding(
    raw: Any, *, line: int, symbol: str, file: str = PAPER_HOLDINGS_FILE, problems: list[Problem]
) -> PaperHolding | None:
    reader = _object(file, line, raw, "A holding", problems)
    if reader is None:
        return None
    clean = Reader(file, line, {"symbol": symbol}).symbol()
    if not clean:
        reader.problem("symbol", f"Not an NSE symbol: {symbol[:40]!r}.")
    quantity = reader.integer("quantity", required=True, minimum=0)
    average = reader.decimal("average_price", required=True, positive=True)
    record = None
    if reader.ok and clean and quantity is not None and average is not None:
        cost_basis = reader.decimal("cost_basis")
        if cost_basis is not None and abs(cost_basis - average * quantity) > PNL_TOLERANCE:
            reader.problem(
                "cost_basis",
                f"Not quantity x average price ({average * quantity}); the import keeps those two.",
                blocking=False,
            )
        record = PaperHolding(
            line=line,
            symbol=clean,
            quantity=quantity,
            average_price=average,
            current_price=reader.decimal("current_price", positive=True),
            cost_basis=cost_basis,
            market_value=reader.decimal("market_value"),
            pnl=reader.decimal("pnl"),
            pnl_percentage=reader.decimal("pnl_percentage"),
        )
    return _done(reader, problems, record)


def parse_paper_transaction(
    raw: Any, *, line: int, file: str = PAPER_TRANSACTIONS_FILE, problems: list[Problem]
) -> PaperTransaction | None:
    reader = _object(file, line, raw, "A transaction", problems)
    if reader is None:
        return None
    order_id = reader.text("order_id", required=True, max_length=64)
    symbol = reader.symbol()
    side = reader.choice("transaction_type", SIDE, required=True)
    quantity = reader.integer("quantity", required=True, minimum=1)
    price = reader.decimal("price", required=True, positive=True)
    order_value = reader.decimal("order_value", minimum=Decimal(0))
    charges = reader.decimal("charges", minimum=Decimal(0)) or Decimal(0)
    timestamp = reader.moment("timestamp", required=True)
    record = None
    if reader.ok and order_id and symbol and side and quantity and price is not None and timestamp:
        turnover = price * quantity
        if order_value is not None and abs(order_value - turnover) > Decimal("0.01"):
            reader.problem(
                "order_value",
                f"Not quantity x price ({turnover}); the import keeps quantity and price.",
                blocking=False,
            )
        record = PaperTransaction(
            line=line,
            order_id=order_id,
            symbol=symbol,
            transaction_type=side,
            quantity=quantity,
            price=price,
            order_value=turnover,
            charges=charges,
            timestamp=timestamp,
        )
    return _done(reader, problems, record)
