"""Queue endpoints (reference/api.md, "Trading"): queue, queue/summary, queue/circuit-breaker/reset,
queue/{id} (DELETE), queue/{id}/promote, queue/{id}/force-add."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from trading.queue.api import views

router = SimpleRouter(trailing_slash=False)
router.register("queue", views.QueueViewSet, basename="queue")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
