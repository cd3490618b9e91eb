"""The stored body never holds the secret: the quick path of `masked_body` (dump once, search
once) must give exactly what walking the body gives, whatever the body and the secret."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from trading.signals.masking import MASK, _mask, masked_body

SECRETS = st.text(min_size=1, max_size=12) | st.sampled_from(
    ["kPijWzfBYhBeNEnWQbdiWDpIL8r_fGN", "rue", 'a"b', "Σσ"]
)


def walked(body: object, secret: str) -> str:
    return json.dumps(_mask(body, secret.lower(), top=True), ensure_ascii=False, separators=(", ", ": "))


@st.composite
def bodies(draw: st.DrawFn) -> tuple[dict[str, object], str]:
    secret = draw(SECRETS)
    hiding = st.sampled_from([secret, secret.upper(), f"note {secret} end", secret.swapcase()])
    text = st.text(max_size=15) | hiding
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
    values = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=10,
    )
    body = draw(st.dictionaries(text, values, max_size=5))
    if draw(st.booleans()):
        body["secret"] = secret
    return body, secret


@given(bodies())
def test_the_quick_path_masks_exactly_as_walking_the_body(case: tuple[dict[str, object], str]) -> None:
    body, secret = case
    assert masked_body(body, secret) == walked(body, secret)


def test_a_usual_body_is_dumped_once_with_the_secret_field_masked() -> None:
    body = {"secret": "kPijWzfBYhBeNEnWQbdiWDpIL8r_fGN", "tv": {"symbol": "BTCUSDT"}}
    assert masked_body(body, body["secret"]) == f'{{"secret": "{MASK}", "tv": {{"symbol": "BTCUSDT"}}}}'
