"""The web app (frontend/, React) served by Django: `index.html` at `/` and at every client route.

`make run`, `make test` and the Dockerfile build frontend/ into frontend/dist/; its assets are
static files under /static/app/ (settings.STATICFILES_DIRS, served by whitenoise). Before the
first build, `/` falls back to the server-rendered start page, which says how to build it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import re_path
from django.views.decorators.http import require_safe

DIST_DIR = Path(settings.BASE_DIR) / "frontend" / "dist"

# The app's top-level client routes (frontend/src/routes.tsx); anything else stays a 404.
SPA_ROUTES = (
    r"login",
    r"register",
    r"forgot-password",
    r"reset",
    r"positions(?:/[\w-]+)?",
    r"deals",
    r"signals(?:/[\w-]+)?",
    r"queue",
    r"risk",
    r"service",
    r"strategy(?:/[\w-]+)?",  # the NSE strategy: /strategy, /strategy/scanner|holdings|import
    r"accounts(?:/[\w-]+/[\w.-]+)?",  # an equities account: /accounts/<exchange>/<label>
    r"dca(?:/[\w-]+)?",
    r"trading-config",
    r"webhook",
    r"logs",
    r"profile",  # the user's own data: export and self-deletion
    r"notifications(?:/[\w-]+)?",  # /notifications and /notifications/settings
    r"manage(?:/[\w-]+)*",
)

_cache: dict[str, tuple[float, bytes]] = {}


def _index_html() -> bytes | None:
    index = DIST_DIR / "index.html"
    try:
        mtime = index.stat().st_mtime
    except OSError:
        return None
    cached = _cache.get("index")
    if cached is None or cached[0] != mtime:
        cached = (mtime, index.read_bytes())
        _cache["index"] = cached
    return cached[1]


@require_safe
def spa(request: HttpRequest) -> HttpResponse:
    html = _index_html()
    if html is None:
        return render(request, "home.html", {"mode": settings.MODE, "spa_missing": True})
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # A new build must reach the browser at once; the hashed assets it names are cached for good.
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [
    re_path(r"^$", spa, name="home"),
    re_path(rf"^(?:{'|'.join(SPA_ROUTES)})/?$", spa, name="spa"),
]
