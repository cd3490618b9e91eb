"""positions endpoints (reference/api.md, "Trading")."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
