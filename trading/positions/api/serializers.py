"""Positions, their orders and fills, unknown exchange orders and the performance summary
(reference/api.md, "Trading"). Read-only shapes; decimals travel as strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rest_framework import serializers

from trading.positions.accounting import stop_loss_level
from trading.positions.journal import REASONS
from trading.positions.models import DCAOrder, Fill, PositionGroup, Pyramid, UnknownExchangeOrder
from trading.positions.selectors import MAX_PERFORMANCE_DAYS, base_of, quote_of
from trading.signals.models import Signal

PRICE_QUANTUM = Decimal("1e-10")  # a computed price, finer than any exchange tick
AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(read_only=True, **AMOUNT, **kwargs)


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Every field read-only, decimals normalised: "1.5", not "1.500000000000000000"."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DecimalField):
            kwargs["normalize_output"] = True
        return field_class, kwargs


class PositionSerializer(ReadOnlyModelSerializer):
    """A row of the positions list and of the deals (selectors.position_groups annotates it)."""

    account_label = serializers.CharField(source="account.label", read_only=True)
    legs_filled = serializers.IntegerField(read_only=True, help_text="DCA legs whose status is filled")
    legs_total = serializers.IntegerField(read_only=True, help_text="Every DCA leg of every pyramid")
    base_currency = serializers.SerializerMethodField(help_text="What quantities are in: BTC of BTC/USDT")
    quote_currency = serializers.SerializerMethodField(help_text="What amounts are in: USDT of BTC/USDT")
    avg_entry = _amount(
        source="entry_price",
        allow_null=True,
        help_text="Average entry of what is held; once nothing is held, the average price of every buy",
    )
    invested = _amount(help_text="Quote spent on every filled buy")
    current_price = _amount(allow_null=True, help_text="Last price seen while open; null once closed")
    exit_price = _amount(
        allow_null=True,
        help_text="Average fill price of the take-profit and close orders; null until one fills",
    )
    realized_pnl_percent = serializers.DecimalField(
        max_digits=36,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        coerce_to_string=True,
        read_only=True,
        allow_null=True,
        help_text="realized_pnl / invested * 100; null while nothing was bought",
    )
    duration_seconds = serializers.IntegerField(
        read_only=True, help_text="Opened to closed, or to now while open"
    )
    exit_reason = serializers.CharField(
        source="close_reason", read_only=True, help_text="Code, as close_reason"
    )
    exit_reason_label = serializers.SerializerMethodField(help_text="The exit reason in words")

    def get_base_currency(self, group: PositionGroup) -> str:
        return str((group.market_snapshot or {}).get("base") or base_of(group.symbol))

    def get_quote_currency(self, group: PositionGroup) -> str:
        return str((group.market_snapshot or {}).get("quote") or quote_of(group.symbol))

    def get_exit_reason_label(self, group: PositionGroup) -> str:
        code = str(group.close_reason)
        text = REASONS.get(code, code.replace("_", " "))
        return text[:1].upper() + text[1:]

    class Meta:
        model = PositionGroup
        fields = (
            "id",
            "exchange",
            "account",
            "account_label",
            "symbol",
            "timeframe",
            "side",
            "status",
            "pyramid_count",
            "max_pyramids",
            "legs_filled",
            "legs_total",
            "base_currency",
            "quote_currency",
            "avg_entry",
            "filled_quantity",
            "invested",
            "current_price",
            "exit_price",
            "unrealized_pnl",
            "unrealized_pnl_percent",
            "realized_pnl",
            "realized_pnl_percent",
            "fees",
            "tp_mode",
            "tp_target_price",
            "trailing_active",
            "last_price",
            "close_reason",
            "exit_reason",
            "exit_reason_label",
            "opened_at",
            "closed_at",
            "duration_seconds",
        )
        read_only_fields = fields


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The quote currency these sums are in")
    deals = serializers.IntegerField()
    wins = serializers.IntegerField(help_text="Deals with realized_pnl > 0")
    realized_pnl = _amount()
    fees = _amount()
    invested = _amount()


class DealTotalsSerializer(serializers.Serializer):
    deals = serializers.IntegerField(help_text="Every deal matching the filters, in every currency")
    wins = serializers.IntegerField(help_text="Of those, realized_pnl > 0")
    by_currency = CurrencyTotalSerializer(many=True, help_text="Sums per quote currency, most deals first")


class PositionLegSerializer(ReadOnlyModelSerializer):
    filled_price = _amount(source="avg_fill_price", allow_null=True, help_text="Average fill price")

    class Meta:
        model = DCAOrder
        fields = (
            "id",
            "level",
            "price",
            "quantity",
            "status",
            "filled_price",
            "filled_quantity",
            "fees",
            "tp_price",
            "tp_status",
            "client_order_id",
            "exchange_order_id",
            "last_error",
        )
        read_only_fields = fields


class PyramidSerializer(ReadOnlyModelSerializer):
    legs = PositionLegSerializer(many=True, read_only=True)

    class Meta:
        model = Pyramid
        fields = ("index", "entry_price", "capital", "created_at", "legs")
        read_only_fields = fields


class ExitOrderSerializer(ReadOnlyModelSerializer):
    type = serializers.CharField(source="order_type", read_only=True)
    leg = serializers.UUIDField(
        source="leg_id", read_only=True, allow_null=True, help_text="The leg it closes"
    )

    class Meta:
        model = DCAOrder
        fields = (
            "id",
            "role",
            "side",
            "type",
            "price",
            "quantity",
            "status",
            "filled_quantity",
            "avg_fill_price",
            "reason",
            "leg",
        )
        read_only_fields = fields


class FillSerializer(ReadOnlyModelSerializer):
    order = serializers.UUIDField(source="order_id", read_only=True)

    class Meta:
        model = Fill
        fields = ("id", "order", "price", "quantity", "fee", "fee_asset", "fee_quote", "executed_at")
        read_only_fields = fields


class PositionSignalSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Signal
        fields = ("id", "intent_type", "received_at")
        read_only_fields = fields


class PositionDetailSerializer(PositionSerializer):
    pyramids = PyramidSerializer(many=True, read_only=True, source="pyramid_list")
    exit_orders = ExitOrderSerializer(
        many=True, read_only=True, source="exit_order_list", help_text="Take-profit and close orders"
    )
    fills = FillSerializer(many=True, read_only=True, source="fill_list")
    signals = PositionSignalSerializer(many=True, read_only=True, source="signal_list")
    stop_price = serializers.SerializerMethodField(
        help_text="Where the stop loss fires while the group holds a position; null without one"
    )

    class Meta(PositionSerializer.Meta):
        fields = (
            *PositionSerializer.Meta.fields,
            "pyramids",
            "exit_orders",
            "fills",
            "signals",
            "stop_price",
        )
        read_only_fields = fields

    def get_stop_price(self, group: PositionGroup) -> str | None:
        if not group.stop_loss_percent or not group.avg_entry or not group.filled_quantity:
            return None
        level = stop_loss_level(
            avg_entry=group.avg_entry, stop_loss_percent=group.stop_loss_percent, short=group.side == "short"
        )
        return format(level.quantize(PRICE_QUANTUM).normalize(), "f")


class UnknownOrderSerializer(ReadOnlyModelSerializer):
    account_label = serializers.CharField(source="account.label", read_only=True)
    exchange = serializers.CharField(source="account.exchange", read_only=True)

    class Meta:
        model = UnknownExchangeOrder
        fields = (
            "id",
            "account",
            "account_label",
            "exchange",
            "exchange_order_id",
            "client_order_id",
            "symbol",
            "side",
            "order_type",
            "price",
            "quantity",
            "filled_quantity",
            "status",
            "first_seen_at",
            "last_seen_at",
        )
        read_only_fields = fields


# --- performance ----------------------------------------------------------------------------------


class PerformanceQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_PERFORMANCE_DAYS, default=30, help_text="UTC days, today included"
    )
    currency = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="Quote currency to report (e.g. USDT); default: the one most of your groups use",
    )


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    realized_pnl = _amount(help_text="Sum of realized_pnl of the groups closed that UTC day")
    fees = _amount()
    closed_groups = serializers.IntegerField()


class EquityPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    cumulative_realized = _amount()


class GroupResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    side = serializers.CharField()
    realized_pnl = _amount()
    closed_at = serializers.DateTimeField()


class PerformanceSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The quote currency every amount here is in")
    currencies = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every quote currency you trade in; ask for one with ?currency=",
    )
    days = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    realized_by_day = DaySerializer(many=True)
    equity_curve = EquityPointSerializer(many=True)
    realized_pnl = _amount(help_text="Sum over the window")
    fees = _amount(help_text="Sum over the window (already inside realized_pnl)")
    unrealized_pnl = _amount(help_text="Now, summed over open groups")
    open_groups = serializers.IntegerField()
    open_realized_pnl = _amount(help_text="Realized so far by groups still open (partial closes)")
    closed_groups = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    win_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="Percent (0-100) of closed groups with realized_pnl > 0; null with none closed",
    )
    max_drawdown = _amount(help_text="Largest fall of the equity curve from a peak, in quote")
    max_drawdown_percent = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="That fall as a percent of the peak; null when the peak was not above zero",
    )
    best_group = GroupResultSerializer(allow_null=True)
    worst_group = GroupResultSerializer(allow_null=True)
