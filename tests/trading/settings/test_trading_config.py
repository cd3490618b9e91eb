"""The per-user trading configuration through the API: defaults, the rules a trader meets, presets,
reset, the audit trail, roles, and isolation between users."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from auditlog.models import AuditLog
from trading.settings import presets
from trading.settings.models import UserTradingConfig
from trading.settings.services import trading_config_for

URL = "/api/v1/trading-config"


def _full(**changes: Any) -> dict[str, Any]:
    """Every field, as the API shows them, with `changes` applied."""
    values = {k: str(v) if isinstance(v, Decimal) else v for k, v in presets.defaults().items()}
    return {**values, **changes}


def _errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    return body["errors"]


def test_first_read_shows_the_defaults(api, trader):
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["config"] == body["defaults"]
    assert body["config"]["rsi_period"] == 14
    assert body["config"]["rsi_oversold"] == "30"
    assert body["config"]["loss_threshold_percent"] == "-1.5"
    assert body["config"]["stop_loss_percent"] is None
    assert [r["rule"] for r in body["config"]["queue_rules"]] == list(presets.QUEUE_RULE_NAMES)
    assert body["differs_from_default"] == []
    assert body["preset"] == "moderate"
    assert body["updated_at"]
    assert UserTradingConfig.objects.filter(user=trader).count() == 1


def test_patch_changes_one_setting_and_keeps_the_others(api):
    response = api.patch(URL, {"rsi_period": 21, "user_capital": "5000.50"}, format="json")
    assert response.status_code == 200
    config = response.json()["config"]
    assert config["rsi_period"] == 21
    assert config["user_capital"] == "5000.5"
    assert config["max_open_groups"] == 10
    assert config["rsi_oversold"] == "30"
    assert sorted(response.json()["differs_from_default"]) == ["rsi_period", "user_capital"]
    assert api.get(URL).json()["config"]["rsi_period"] == 21


def test_capital_alone_keeps_the_preset_name(api):
    body = api.patch(URL, {"user_capital": "2500"}, format="json").json()
    assert body["preset"] == "moderate"
    assert body["differs_from_default"] == ["user_capital"]
    assert api.patch(URL, {"max_open_groups": 7}, format="json").json()["preset"] is None


def test_put_replaces_everything(api):
    response = api.put(URL, _full(max_open_groups=42, stop_loss_percent="4"), format="json")
    assert response.status_code == 200
    assert response.json()["config"]["max_open_groups"] == 42
    assert response.json()["config"]["stop_loss_percent"] == "4"


def test_put_with_missing_fields_names_each_of_them(api):
    body = _full()
    del body["rsi_period"], body["queue_rules"]
    errors = _errors(api.put(URL, body, format="json"))
    assert errors == {"rsi_period": ["This field is required."], "queue_rules": ["This field is required."]}


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"rsi_oversold": "-1"}, "rsi_oversold", "between 0 and 100"),
        ({"rsi_overbought": "100.5"}, "rsi_overbought", "between 0 and 100"),
        ({"rsi_oversold": "45"}, "rsi_oversold", "below rsi_near_oversold"),
        ({"rsi_oversold": "40", "rsi_near_oversold": "40"}, "rsi_oversold", "below rsi_near_oversold"),
        ({"user_capital": "0"}, "user_capital", "greater than 0"),
        ({"user_capital": "10000000.01"}, "user_capital", "at most 10000000"),
        ({"max_portfolio_size": 0}, "max_portfolio_size", "between 1 and 20"),
        ({"max_portfolio_size": 21}, "max_portfolio_size", "between 1 and 20"),
        ({"risk_reward_ratio": "0.99"}, "risk_reward_ratio", "at least 1"),
        ({"stop_loss_percent": "0"}, "stop_loss_percent", "greater than 0"),
        ({"loss_threshold_percent": "0"}, "loss_threshold_percent", "below 0"),
        ({"loss_threshold_percent": "1.5"}, "loss_threshold_percent", "below 0"),
        ({"max_open_groups": 101}, "max_open_groups", "between 1 and 100"),
        ({"max_signal_age_seconds": 5}, "max_signal_age_seconds", "between 10 and 86400"),
        ({"max_winners_to_combine": 11}, "max_winners_to_combine", "between 1 and 10"),
        ({"ml_min_confidence": "1.1"}, "ml_min_confidence", "between 0 and 1"),
        ({"default_order_type": "stop"}, "default_order_type", '"limit" or "market"'),
        ({"chart_quality_min": "101"}, "chart_quality_min", "between 0 and 100"),
    ],
)
def test_each_rule_is_named_with_its_field(api, changes, field, rule):
    errors = _errors(api.patch(URL, changes, format="json"))
    assert rule in " ".join(errors[field])


def test_every_broken_rule_is_named_in_one_answer(api):
    errors = _errors(
        api.patch(
            URL,
            {
                "rsi_oversold": "101",
                "user_capital": "-5",
                "max_portfolio_size": 25,
                "risk_reward_ratio": "0.5",
            },
            format="json",
        )
    )
    assert set(errors) == {"rsi_oversold", "user_capital", "max_portfolio_size", "risk_reward_ratio"}
    assert api.get(URL).json()["differs_from_default"] == []  # nothing was saved


def test_stop_losses_are_optional_and_checked_only_when_set(api):
    assert (
        api.patch(URL, {"stop_loss_percent": None, "trailing_stop_percent": None}, format="json").status_code
        == 200
    )
    assert (
        api.patch(URL, {"stop_loss_percent": "3.5", "trailing_stop_percent": "1"}, format="json").status_code
        == 200
    )
    errors = _errors(api.patch(URL, {"trailing_stop_percent": "100"}, format="json"))
    assert "less than 100" in errors["trailing_stop_percent"][0]
    assert (
        api.patch(URL, {"stop_loss_percent": None}, format="json").json()["config"]["stop_loss_percent"]
        is None
    )


def test_queue_rules_can_be_reordered_and_switched_off(api):
    rules = [{"rule": name, "enabled": name != "fifo"} for name in reversed(presets.QUEUE_RULE_NAMES)]
    response = api.patch(URL, {"queue_rules": rules}, format="json")
    assert response.status_code == 200
    assert response.json()["config"]["queue_rules"] == rules


def test_queue_rules_keep_at_least_one_on(api):
    rules = [{"rule": name, "enabled": False} for name in presets.QUEUE_RULE_NAMES]
    errors = _errors(api.patch(URL, {"queue_rules": rules}, format="json"))
    assert errors["queue_rules"] == ["At least one rule must stay enabled."]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([*presets.default_queue_rules(), {"rule": "random", "enabled": True}], "unknown rule 'random'"),
        (presets.default_queue_rules()[:4], "missing: fifo"),
        ([*presets.default_queue_rules(), {"rule": "fifo"}], "listed twice"),
        ("fifo", "Must be a list"),
        ([{"rule": "fifo", "enabled": "yes"}], "enabled must be true or false"),
    ],
)
def test_queue_rules_accept_only_the_five_known_rules(api, rules, message):
    errors = _errors(api.patch(URL, {"queue_rules": rules}, format="json"))
    assert message in " ".join(errors["queue_rules"])


def test_task_schedule_takes_cron_or_interval_in_an_iana_time_zone(api):
    schedule = [
        {"task": "reconcile", "cron": "*/5 * * * *", "timezone": "Europe/Berlin"},
        {"task": "risk_check", "interval_seconds": 3600},
    ]
    response = api.patch(URL, {"task_schedule": schedule}, format="json")
    assert response.status_code == 200
    assert response.json()["config"]["task_schedule"] == [
        schedule[0],
        {"task": "risk_check", "interval_seconds": 3600, "timezone": "UTC"},
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"task": "scan", "cron": "* * * * *", "timezone": "Mars/Olympus"}, "IANA time zone"),
        ({"task": "scan", "cron": "* * * * *", "timezone": "../../etc/passwd"}, "IANA time zone"),
        ({"task": "scan", "cron": "* * *"}, "five fields"),
        ({"task": "scan"}, "either cron or interval_seconds"),
        ({"task": "scan", "cron": "* * * * *", "interval_seconds": 5}, "either cron or interval_seconds"),
        ({"task": "scan", "interval_seconds": 0}, "between 1 and"),
        ({"task": "", "interval_seconds": 60}, "task must be"),
        ({"task": "scan", "interval_seconds": 60, "user": 1}, "unknown key 'user'"),
        ("scan", "Item 1: must be"),
    ],
)
def test_task_schedule_shape_is_checked(api, entry, message):
    errors = _errors(api.patch(URL, {"task_schedule": [entry]}, format="json"))
    assert message in " ".join(errors["task_schedule"])


@pytest.mark.parametrize(
    "payload",
    [
        {"rsi_period": "fourteen"},
        {"rsi_period": "14.5"},
        {"rsi_period": True},
        {"rsi_period": 10**30},
        {"user_capital": "1e999999"},
        {"user_capital": "NaN"},
        {"user_capital": "Infinity"},
        {"user_capital": [1, 2]},
        {"user_capital": {"amount": 1}},
        {"user_capital": None},
        {"rsi_oversold": "0.0000000000000000001"},
        {"min_volume_usd": "9" * 60},
        {"auto_trading_enabled": "yes"},
        {"queue_rules": None},
        {"queue_rules": [None, 1, "x", []]},
        {"task_schedule": {"task": "x"}},
        {"task_schedule": [{"task": "x", "interval_seconds": 60}] * 51},
        {"no_such_setting": 1},
    ],
)
def test_odd_input_is_a_400_never_a_500(api, payload):
    errors = _errors(api.patch(URL, payload, format="json"))
    assert set(errors) == set(payload)


@pytest.mark.parametrize("body", [[1, 2], "text", 42, "null"])
def test_a_body_that_is_not_an_object_is_a_400(api, body):
    raw = body if body == "null" else None
    if raw:  # a JSON null, sent as is
        response = api.generic("PATCH", URL, raw, content_type="application/json")
        assert response.status_code == 400
        return
    assert api.patch(URL, body, format="json").status_code == 400
    assert api.put(URL, body, format="json").status_code == 400


def test_an_empty_patch_changes_nothing_and_an_empty_put_names_every_field(api):
    assert api.patch(URL, {}, format="json").status_code == 200
    assert set(_errors(api.put(URL, {}, format="json"))) == set(presets.FIELD_NAMES)


def test_strings_for_numbers_are_fine_when_they_are_numbers(api):
    response = api.patch(
        URL, {"rsi_period": "21", "max_open_groups": 12.0, "ml_min_confidence": 0.75}, format="json"
    )
    assert response.status_code == 200
    config = response.json()["config"]
    assert (config["rsi_period"], config["max_open_groups"], config["ml_min_confidence"]) == (21, 12, "0.75")


def test_presets_list_the_three_with_their_values(api):
    response = api.get(f"{URL}/presets")
    assert response.status_code == 200
    body = response.json()
    assert [p["name"] for p in body["presets"]] == ["conservative", "moderate", "aggressive"]
    by_name = {p["name"]: p for p in body["presets"]}
    assert by_name["moderate"]["values"] == api.get(URL).json()["defaults"]
    assert by_name["moderate"]["changes_from_default"] == {}
    assert by_name["conservative"]["values"]["max_open_groups"] == 5
    assert by_name["aggressive"]["values"]["capital_per_trade_percent"] == "20"
    assert "user_capital" in body["kept_when_applied"]


@pytest.mark.parametrize("name", presets.PRESET_NAMES)
def test_every_preset_passes_the_rules(name):
    from trading.settings.validation import trading_config_clean

    assert trading_config_clean(fields=presets.preset(name)) == presets.preset(name)


def test_applying_a_preset_keeps_the_users_capital(api):
    api.patch(URL, {"user_capital": "2500", "max_open_groups": 7}, format="json")
    response = api.post(f"{URL}/presets/aggressive/apply")
    assert response.status_code == 200
    body = response.json()
    assert body["preset"] == "aggressive"
    assert body["config"]["max_open_groups"] == 20
    assert body["config"]["user_capital"] == "2500"
    assert "max_open_groups" in body["differs_from_default"]


def test_an_unknown_preset_is_404(api):
    response = api.post(f"{URL}/presets/yolo/apply")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_reset_brings_every_setting_back_to_the_defaults(api):
    api.post(f"{URL}/presets/conservative/apply")
    api.patch(URL, {"user_capital": "2500"}, format="json")
    response = api.post(f"{URL}/reset")
    assert response.status_code == 200
    body = response.json()
    assert body["config"] == body["defaults"]
    assert body["differs_from_default"] == []
    assert body["preset"] == "moderate"


def test_every_change_is_audited_with_before_and_after(api, trader):
    api.patch(URL, {"rsi_period": 21, "max_open_groups": 10}, format="json")
    entry = AuditLog.objects.get(action="trading_config.update")
    assert entry.actor == trader
    assert entry.owner == trader
    assert entry.resource_type == "trading.UserTradingConfig"
    assert entry.changes == {"via": "update", "before": {"rsi_period": 14}, "after": {"rsi_period": 21}}

    api.post(f"{URL}/reset")
    api.post(f"{URL}/presets/conservative/apply")
    entries = AuditLog.objects.filter(action="trading_config.update").order_by("created_at", "id")
    assert [e.changes["via"] for e in entries] == ["update", "reset", "preset:conservative"]
    assert entries[2].changes["before"]["loss_threshold_percent"] == "-1.5"
    assert entries[2].changes["after"]["loss_threshold_percent"] == "-1"


def test_a_change_that_changes_nothing_is_not_audited(api):
    api.patch(URL, {"rsi_period": 14}, format="json")
    api.post(f"{URL}/reset")
    assert not AuditLog.objects.filter(action="trading_config.update").exists()


def test_a_rejected_change_is_not_audited(api):
    api.patch(URL, {"rsi_period": 1}, format="json")
    assert not AuditLog.objects.filter(action="trading_config.update").exists()


def test_viewer_may_read_but_not_change(client_for, viewer):
    client = client_for(viewer)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}/presets").status_code == 200
    assert client.patch(URL, {"rsi_period": 21}, format="json").status_code == 403
    assert client.put(URL, _full(), format="json").status_code == 403
    assert client.post(f"{URL}/reset").status_code == 403
    assert client.post(f"{URL}/presets/aggressive/apply").status_code == 403
    assert trading_config_for(viewer).rsi_period == 14


def test_anonymous_callers_are_refused(anon):
    assert anon.get(URL).status_code == 401
    assert anon.get(f"{URL}/presets").status_code == 401


def test_users_never_see_each_others_configuration(client_for, trader, other_trader):
    client_for(trader).patch(URL, {"max_open_groups": 3}, format="json")
    other = client_for(other_trader)
    assert other.get(URL).json()["config"]["max_open_groups"] == 10
    other.post(f"{URL}/presets/aggressive/apply")
    assert client_for(trader).get(URL).json()["config"]["max_open_groups"] == 3
    assert trading_config_for(other_trader).max_open_groups == 20


def test_trading_config_for_creates_once(trader):
    first, second = trading_config_for(trader), trading_config_for(trader)
    assert first.pk == second.pk
    assert first.loss_threshold_percent == Decimal("-1.5")


def test_admin_edits_meet_the_same_rules_and_are_audited(client, admin_user, trader):
    config = trading_config_for(trader)
    client.force_login(admin_user)
    page = f"/admin/trading/usertradingconfig/{config.pk}/change/"
    form = {k: ("" if v is None else v) for k, v in _full(max_open_groups=4).items()}
    form["queue_rules"] = '[{"rule": "fifo", "enabled": true}]'
    form["task_schedule"] = "[]"
    form = {k: v for k, v in form.items() if v is not False}  # an unchecked box is absent
    response = client.post(page, form)
    assert response.status_code == 200  # the form again, with the error
    assert b"missing:" in response.content
    form["queue_rules"] = '[{"rule": "fifo", "enabled": true}]'.replace(
        '{"rule": "fifo", "enabled": true}',
        ", ".join(f'{{"rule": "{n}", "enabled": true}}' for n in presets.QUEUE_RULE_NAMES),
    )
    response = client.post(page, form)
    assert response.status_code == 302
    assert trading_config_for(trader).max_open_groups == 4
    assert AuditLog.objects.get(action="trading_config.update").actor == admin_user
