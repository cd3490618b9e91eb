"""The commands' progress bar (tqdm on stderr), fed by the services' (percent, step) callbacks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from .verify import Progress


@contextmanager
def progress_bar(*, enabled: bool = True) -> Iterator[Progress]:
    bar = tqdm(total=100, file=sys.stderr, disable=not enabled, bar_format="{l_bar}{bar}| {n_fmt}%")
    try:

        def update(percent: int, step: str) -> None:
            bar.set_description_str(step)
            bar.update(max(0, percent - bar.n))

        yield update
    finally:
        bar.close()
