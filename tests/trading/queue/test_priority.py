"""The execution queue's ranking: each rule alone, the default order on a worked example, rule
configuration, replacement, promotion and the daily circuit breaker; then properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.queue.priority import (
    ALONE,
    DEFAULT_RULES,
    RULE_NAMES,
    TIE,
    QueuedSignal,
    RuleConfig,
    circuit_breaker_tripped,
    pick_next,
    rank,
    replace,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def sig(
    id: str,
    *,
    side: str = "long",
    entry: D = D(100),
    current: D | None = D(100),
    replacements: int = 0,
    profit: D = D(0),
    minute: int = 0,
    pyramid: bool = False,
) -> QueuedSignal:
    return QueuedSignal(
        id=id,
        key=("u1", "acc1", f"SYM{id}", "1h", side),
        side=side,  # type: ignore[arg-type]
        entry_price=entry,
        current_price=current,
        replacement_count=replacements,
        expected_profit=profit,
        queued_at=T0 + timedelta(minutes=minute),
        is_pyramid_continuation=pyramid,
    )


def only(name: str) -> RuleConfig:
    return RuleConfig(tuple((rule, rule == name) for rule in RULE_NAMES))


def ranked_ids(entries: list[QueuedSignal], rules: RuleConfig | None = None) -> list[str]:
    return [r.entry.id for r in rank(entries, rules)]


# --- each rule alone ----------------------------------------------------------------------------


def test_pyramid_continuation_alone_puts_continuations_first() -> None:
    entries = [sig("a", minute=0), sig("b", minute=1, pyramid=True), sig("c", minute=2)]
    ranked = rank(entries, only("pyramid_continuation"))
    assert [r.entry.id for r in ranked] == ["b", "a", "c"]
    # a and c are not told apart by any enabled rule: tie, kept in queued order
    assert [r.priority_rule for r in ranked] == ["pyramid_continuation", TIE, TIE]


def test_deepest_loss_alone_puts_most_adverse_first() -> None:
    entries = [
        sig("flat", current=D(100)),
        sig("down5", current=D(95), minute=1),
        sig("up3", current=D(103), minute=2),
        sig("down2", current=D(98), minute=3),
    ]
    ranked = rank(entries, only("deepest_loss"))
    assert [r.entry.id for r in ranked] == ["down5", "down2", "flat", "up3"]
    assert [r.loss_percent for r in ranked] == [D(-5), D(-2), D(0), D(3)]
    assert {r.priority_rule for r in ranked} == {"deepest_loss"}


def test_loss_percent_is_the_formula_on_the_signal_entry() -> None:
    assert sig("a", entry=D(200), current=D(197)).loss_percent == D("-1.5")


def test_short_loss_is_a_move_up() -> None:
    entries = [
        sig("s_up", side="short", current=D(104)),  # adverse for a short: -4 %
        sig("s_down", side="short", current=D(97), minute=1),  # favourable: +3 %
        sig("l_down", side="long", current=D(98), minute=2),  # adverse for a long: -2 %
    ]
    ranked = rank(entries, only("deepest_loss"))
    assert [r.entry.id for r in ranked] == ["s_up", "l_down", "s_down"]
    assert [r.loss_percent for r in ranked] == [D(-4), D(-2), D(3)]


def test_unknown_price_sorts_after_known_prices_even_profitable_ones() -> None:
    entries = [
        sig("none1", current=None, minute=0),
        sig("up", current=D(150), minute=1),
        sig("none2", current=None, minute=2),
        sig("down", current=D(90), minute=3),
    ]
    ranked = rank(entries, only("deepest_loss"))
    assert [r.entry.id for r in ranked] == ["down", "up", "none1", "none2"]
    assert [r.loss_percent for r in ranked] == [D(-10), D(50), None, None]
    assert [r.priority_rule for r in ranked] == ["deepest_loss", "deepest_loss", TIE, TIE]


def test_replacement_count_alone_highest_first() -> None:
    entries = [sig("a", replacements=1), sig("b", replacements=3, minute=1), sig("c", minute=2)]
    assert ranked_ids(entries, only("replacement_count")) == ["b", "a", "c"]


def test_expected_profit_alone_highest_first() -> None:
    entries = [sig("a", profit=D("12.5")), sig("b", profit=D(0), minute=1), sig("c", profit=D(40), minute=2)]
    assert ranked_ids(entries, only("expected_profit")) == ["c", "a", "b"]


def test_fifo_alone_earliest_first() -> None:
    entries = [sig("late", minute=9, current=D(50)), sig("early", minute=1), sig("mid", minute=5)]
    ranked = rank(entries, only("fifo"))
    assert [r.entry.id for r in ranked] == ["early", "mid", "late"]
    assert {r.priority_rule for r in ranked} == {"fifo"}


# --- the default order --------------------------------------------------------------------------


def test_default_order_on_a_worked_example() -> None:
    entries = [
        sig("fifo_late", current=D(99), minute=20),  # -1 %, nothing else: loses fifo to fifo_early
        sig("pyr", current=D(101), minute=30, pyramid=True),  # continuation beats any loss
        sig("deep", current=D(90), minute=10),  # -10 %
        sig("repl", current=D(99), replacements=2, minute=40),  # -1 %, replaced twice
        sig("profit", current=D(99), replacements=2, profit=D(25), minute=50),  # same, more profit
        sig("fifo_early", current=D(99), minute=5),  # -1 %, earlier
        sig("blind", current=None, minute=0),  # no price: after all known losses
    ]
    ranked = rank(entries)
    assert [(r.rank, r.entry.id, r.priority_rule) for r in ranked] == [
        (1, "pyr", "pyramid_continuation"),
        (2, "deep", "deepest_loss"),
        (3, "profit", "expected_profit"),
        (4, "repl", "replacement_count"),
        (5, "fifo_early", "fifo"),
        (6, "fifo_late", "deepest_loss"),
        # last: the rule that put it below the previous one
        (7, "blind", "deepest_loss"),
    ]


def test_rules_follow_the_configured_order_not_the_default_one() -> None:
    entries = [sig("deep", current=D(80), minute=1), sig("replaced", replacements=5, minute=2)]
    assert ranked_ids(entries) == ["deep", "replaced"]
    reordered = RuleConfig((("replacement_count", True), ("deepest_loss", True)))
    ranked = rank(entries, reordered)
    assert [(r.entry.id, r.priority_rule) for r in ranked] == [
        ("replaced", "replacement_count"),
        ("deep", "replacement_count"),
    ]


def test_switched_off_rules_are_skipped() -> None:
    entries = [
        sig("pyr", minute=3, pyramid=True),
        sig("deep", current=D(90), minute=2),
        sig("early", minute=1),
    ]
    assert ranked_ids(entries) == ["pyr", "deep", "early"]
    no_pyramid = RuleConfig(tuple((name, name != "pyramid_continuation") for name in RULE_NAMES))
    assert ranked_ids(entries, no_pyramid) == ["deep", "early", "pyr"]
    fifo_first_off = RuleConfig((("pyramid_continuation", False), ("deepest_loss", False), ("fifo", True)))
    assert ranked_ids(entries, fifo_first_off) == ["early", "deep", "pyr"]


def test_full_tie_keeps_queued_order_then_id_and_reports_tie() -> None:
    entries = [sig("b", minute=0), sig("a", minute=0), sig("c", minute=-1)]
    ranked = rank(entries, only("expected_profit"))
    assert [(r.entry.id, r.priority_rule) for r in ranked] == [("c", TIE), ("a", TIE), ("b", TIE)]
    # with fifo on, the earlier one is placed by fifo; same-time entries are still a tie
    with_fifo = rank(entries)
    assert [(r.entry.id, r.priority_rule) for r in with_fifo] == [("c", "fifo"), ("a", TIE), ("b", TIE)]


def test_single_entry_and_empty_queue() -> None:
    assert rank([]) == []
    (ranked,) = rank([sig("solo", current=D(95))])
    assert (ranked.rank, ranked.priority_rule, ranked.loss_percent) == (1, ALONE, D(-5))


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique; repeated: a"):
        rank([sig("a"), sig("a", minute=1)])


# --- configuration and validation ---------------------------------------------------------------


def test_default_config_has_every_rule_on_in_the_semantics_order() -> None:
    assert RuleConfig().rules == DEFAULT_RULES
    assert RuleConfig().enabled == RULE_NAMES
    assert RULE_NAMES == (
        "pyramid_continuation",
        "deepest_loss",
        "replacement_count",
        "expected_profit",
        "fifo",
    )


def test_at_least_one_rule_must_stay_on() -> None:
    with pytest.raises(ValueError, match="at least one priority rule must stay enabled"):
        RuleConfig(tuple((name, False) for name in RULE_NAMES))
    with pytest.raises(ValueError, match="at least one"):
        RuleConfig(())


def test_unknown_and_duplicate_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown priority rule 'newest'"):
        RuleConfig((("fifo", True), ("newest", True)))
    with pytest.raises(ValueError, match="'fifo' appears more than once"):
        RuleConfig((("fifo", True), ("fifo", False)))
    with pytest.raises(ValueError, match="pair"):
        RuleConfig((("fifo", "yes"),))  # type: ignore[arg-type]


def test_signal_validation() -> None:
    with pytest.raises(ValueError, match="side"):
        sig("a", side="sideways")
    with pytest.raises(ValueError, match="entry_price must be positive"):
        sig("a", entry=D(0))
    with pytest.raises(ValueError, match="current_price must be positive"):
        sig("a", current=D(-1))
    with pytest.raises(ValueError, match="replacement_count"):
        sig("a", replacements=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        QueuedSignal("a", ("k",), "long", D(1), None, 0, D(0), datetime(2026, 1, 1), False)  # noqa: DTZ001


# --- replacement --------------------------------------------------------------------------------


def test_replacement_keeps_id_and_queued_time_and_counts_up() -> None:
    queued = sig("a", entry=D(100), current=D(97), replacements=1, profit=D(10), minute=3)
    new = replace(queued, D(96))
    assert (new.id, new.queued_at, new.key) == (queued.id, queued.queued_at, queued.key)
    assert (new.entry_price, new.replacement_count) == (D(96), 2)
    assert (new.current_price, new.expected_profit) == (D(97), D(10))  # kept when not given
    assert queued.replacement_count == 1  # the original is untouched
    updated = replace(new, D(95), current_price=None, expected_profit=D(12))
    assert (updated.current_price, updated.expected_profit, updated.replacement_count) == (None, D(12), 3)


def test_replacement_keeps_its_fifo_place() -> None:
    older, newer = sig("older", minute=0), sig("newer", minute=5)
    replaced = replace(older, D(101))
    assert ranked_ids([newer, replaced], only("fifo")) == ["older", "newer"]


# --- promotion ----------------------------------------------------------------------------------


QUEUE = [
    sig("a", current=D(90), minute=0),
    sig("p1", minute=1, pyramid=True),
    sig("b", current=D(95), minute=2),
    sig("p2", minute=3, pyramid=True),
    sig("c", current=D(99), minute=4),
]


def test_pick_next_pyramids_bypass_the_pool() -> None:
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=1)] == ["p1", "p2", "a"]
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=0)] == ["p1", "p2"]
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=10)] == ["p1", "p2", "a", "b", "c"]


def test_pick_next_bypass_holds_even_when_the_pyramid_rule_is_off() -> None:
    rules = RuleConfig((("pyramid_continuation", False), ("deepest_loss", True)))
    picked = pick_next(QUEUE, rules, free_slots=1)
    assert [(r.entry.id, r.rank) for r in picked] == [("a", 1), ("p1", 4), ("p2", 5)]


def test_pick_next_without_bypass_pyramids_take_slots() -> None:
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=1, pyramids_bypass_pool=False)] == ["p1"]
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=3, pyramids_bypass_pool=False)] == [
        "p1",
        "p2",
        "a",
    ]
    assert pick_next(QUEUE, None, free_slots=0, pyramids_bypass_pool=False) == []


def test_pick_next_over_the_limit_counts_as_no_slot() -> None:
    assert [r.entry.id for r in pick_next(QUEUE, None, free_slots=-2)] == ["p1", "p2"]
    assert pick_next(QUEUE, None, free_slots=-2, pyramids_bypass_pool=False) == []
    assert pick_next([], None, free_slots=3) == []


# --- circuit breaker ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("realized", "limit", "tripped"),
    [
        (D(-100), D(100), True),  # reached exactly
        (D("-100.01"), D(100), True),
        (D("-99.99"), D(100), False),
        (D(50), D(100), False),
        (D(0), D(100), False),
        (D(-1000000), None, False),  # no limit
    ],
)
def test_circuit_breaker(realized: D, limit: D | None, tripped: bool) -> None:
    assert circuit_breaker_tripped(realized, limit) is tripped


@pytest.mark.parametrize("limit", [D(0), D(-5), D("NaN")])
def test_circuit_breaker_limit_must_be_a_positive_amount(limit: D) -> None:
    with pytest.raises(ValueError, match="max_realized_loss must be a positive amount"):
        circuit_breaker_tripped(D(0), limit)


# --- properties ---------------------------------------------------------------------------------

prices = st.none() | st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)


@st.composite
def queues(draw: st.DrawFn) -> list[QueuedSignal]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        QueuedSignal(
            id=f"s{index}",
            key=("u", "a", f"SYM{index}", "1h", side := draw(st.sampled_from(["long", "short"]))),
            side=side,  # type: ignore[arg-type]
            entry_price=draw(st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)),
            current_price=draw(prices),
            replacement_count=draw(st.integers(min_value=0, max_value=3)),
            expected_profit=draw(st.sampled_from([D(0), D(5), D("12.5")])),
            queued_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=5))),
            is_pyramid_continuation=draw(st.booleans()),
        )
        for index in range(count)
    ]


@st.composite
def rule_configs(draw: st.DrawFn) -> RuleConfig:
    names = draw(st.permutations(RULE_NAMES))
    flags = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)).filter(any))
    return RuleConfig(tuple(zip(names, flags, strict=True)))


@given(queues(), rule_configs())
def test_rank_is_a_permutation_with_ranks_one_to_n(entries: list[QueuedSignal], rules: RuleConfig) -> None:
    ranked = rank(entries, rules)
    assert sorted(r.entry.id for r in ranked) == sorted(e.id for e in entries)
    assert [r.rank for r in ranked] == list(range(1, len(entries) + 1))
    assert all(r.loss_percent == r.entry.loss_percent for r in ranked)
    assert all(r.priority_rule in (*rules.enabled, TIE, ALONE) for r in ranked)


@given(queues())
def test_fifo_only_orders_by_queued_time(entries: list[QueuedSignal]) -> None:
    ranked = [r.entry for r in rank(entries, only("fifo"))]
    assert ranked == sorted(entries, key=lambda e: (e.queued_at, e.id))


@given(queues(), rule_configs(), st.randoms(use_true_random=False))
def test_ranking_is_deterministic(entries: list[QueuedSignal], rules: RuleConfig, rnd: random.Random) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert rank(shuffled, rules) == rank(entries, rules)


@given(queues(), rule_configs(), st.integers(min_value=-2, max_value=14), st.booleans())
def test_pick_next_fills_slots_in_rank_order(
    entries: list[QueuedSignal], rules: RuleConfig, free: int, bypass: bool
) -> None:
    picked = pick_next(entries, rules, free, bypass)
    ranked = rank(entries, rules)
    bypassing = [r for r in ranked if bypass and r.entry.is_pyramid_continuation]
    others = [r for r in ranked if r not in bypassing]
    assert sorted(picked, key=lambda r: r.rank) == picked
    assert [r for r in picked if r in bypassing] == bypassing
    assert [r for r in picked if r not in bypassing] == others[: max(free, 0)]
