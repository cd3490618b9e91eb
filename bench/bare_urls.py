"""The production URLconf plus `POST /bench/bare/{user_id}` (bench/bare_view.py)."""

from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as production

from .bare_view import bare_webhook

urlpatterns = [path("bench/bare/<str:user_id>", bare_webhook), *production]

__all__ = ["handler404", "handler500", "urlpatterns"]
