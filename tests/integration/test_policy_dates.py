"""A rule-pack version taking effect re-validates the configurations under it."""

import datetime as dt

import pytest
from django.core.management import call_command

from configurator.models import ChangeImpact
from configurator.services import configurations_revalidate_for_policy, policies_taking_effect
from core import clock
from demo.catalog import NEAR_MISSES
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


def _cn_ore_kit(buyer):
    """An unscheduled dfars-7052 kit whose magnet ore is mined in CN, saved on 2026-12-31:
    valid under the 2019 version, not under the 2027 one."""
    load_demo_catalog()
    sku, miss = next((s, n) for s, n in NEAR_MISSES.items() if n["policy"] == "dfars-7052")
    config = family_configuration(buyer.membership.organization, miss["family"],
                                  swap={miss["slot"]: sku}, schedule=[], policy="dfars-7052")
    assert config.is_valid
    return config


def test_dfars_2027_turns_an_unscheduled_cn_ore_kit_invalid_on_new_year(buyer):
    with clock.frozen(dt.date(2026, 12, 31)):
        config = _cn_ore_kit(buyer)
    assert policies_taking_effect(dt.date(2027, 1, 1)) == ["dfars-7052"]
    with clock.frozen(dt.date(2027, 1, 1)):
        assert configurations_revalidate_for_policy(policy_code="dfars-7052",
                                                    reason="dfars-7052 v2027") == [config.pk]
    config.refresh_from_db()
    assert not config.is_valid and config.invalidated_by_change == "dfars-7052 v2027"
    impact = ChangeImpact.objects.get(configuration=config)
    assert {e["code"] for e in impact.errors} == {"ORIGIN_EXCLUDED"}


def test_revalidate_command_reports(buyer, capsys):
    load_demo_catalog()
    family_configuration(buyer.membership.organization)
    call_command("revalidate_configurations", "--policy", "china-excluded")
    assert "0 configuration(s) became invalid" in capsys.readouterr().out


def test_a_version_taking_effect_on_a_day_no_run_saw_is_re_checked_at_the_next_run(buyer):
    """The job re-checked only the versions taking effect on the day it ran: with the workers
    down over new year's day, dfars-7052's 2027 version never re-checked the kits under it."""
    from configurator import tasks

    with clock.frozen(dt.date(2026, 12, 31)):
        config = _cn_ore_kit(buyer)
        assert tasks.revalidate_policy_changes() == []  # the last run of the year
    with clock.frozen(dt.date(2027, 1, 2)):  # no run on 1 January
        assert tasks.revalidate_policy_changes() == [config.pk]
        assert tasks.revalidate_policy_changes() == []  # once: it is invalid now, nothing flips
    config.refresh_from_db()
    assert not config.is_valid and "dfars-7052" in config.invalidated_by_change
