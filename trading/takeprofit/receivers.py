"""The take-profit layer's seams: the web process serves live marks to the sockets that watch
open groups (services/live_marks.py)."""

from notifications import live_watch

from .services.live_marks import live_marks


def connect() -> None:
    live_watch.register("positions", live_marks)
