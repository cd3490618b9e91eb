"""The placement metrics of the performance dashboard (config/metrics_events.py): each attempt's
outcome by exchange, and a signal's latency to its first order on the exchange."""

from __future__ import annotations

from django.utils import timezone

from config.metrics_events import SIGNAL_TO_ORDER, order_outcome
from trading.positions.models import DCAOrder, OrderRole, Pyramid


def order_placement_observe(order: DCAOrder, *, placed: bool) -> None:
    order_outcome(order.group.exchange, placed=placed)
    # The first leg of a pyramid is its signal's first order: one indexed read per signal.
    if placed and order.role == OrderRole.LEG and order.level == 0 and order.pyramid_id:
        received = (
            Pyramid.objects.filter(pk=order.pyramid_id).values_list("signal__received_at", flat=True).first()
        )
        if received is not None:
            SIGNAL_TO_ORDER.observe(max(0.0, (timezone.now() - received).total_seconds()))
