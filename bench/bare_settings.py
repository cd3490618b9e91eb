"""Settings for benchmark P1 only: the production settings plus the bare endpoint's URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
