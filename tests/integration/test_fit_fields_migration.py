"""parts.0004 fills the fit fields of stored parts, and reports those it cannot derive."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("parts", "0003_history")]
AFTER = [("parts", "0004_backfill_fit_fields")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Migrating back to parts.0003 drops the tables of later migrations: put them back, so
    the tests after this one (in the same database) see the whole schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_migrations():
    # Migrating back to parts.0003 drops the later tables (capacity bookings, import jobs):
    # the tests that run after this one in the same process need them back.
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_derives_stated_values_and_leaves_the_rest_flagged(capsys):
    apps = _migrate(BEFORE)
    Supplier, Part = apps.get_model("parts", "Supplier"), apps.get_model("parts", "Part")
    supplier = Supplier.objects.create(code="TAMA", name="Tamagawa Seiki", country="JP")
    rows = {
        "RSV-PP4-52": (
            "resolver",
            "Variable-reluctance resolver, 4 pole pairs, for 52 mm shaft",
            {"pole_pairs": 4},
        ),
        "RSV-OLD": ("resolver", "Resolver, 4 pole pairs", {"pole_pairs": 4}),
        "INS-48": (
            "insulation",
            "Slot insulation system 48 slots x 50.8 mm, class H",
            {"insulation_class": "H", "voltage_class_v": 400, "pd_free": False},
        ),
        "BB-48": (
            "busbar",
            "Busbar set, 3 phases, 48-slot stator",
            {"phases": 3, "voltage_class_v": 400, "max_current_a": 300},
        ),
        "BB-SET": (
            "busbar",
            "Busbar set, 3 phases",
            {"phases": 3, "voltage_class_v": 400, "max_current_a": 300, "slots": 72},
        ),
    }
    for sku, (category, name, specs) in rows.items():
        Part.objects.create(
            sku=sku,
            name=name,
            category=category,
            supplier=supplier,
            specs=specs,
            currency="USD",
            lead_time_days=30,
            moq=1,
            annual_capacity=1000,
        )

    apps = _migrate(AFTER)
    Part = apps.get_model("parts", "Part")
    specs = {p.sku: p.specs for p in Part.objects.all()}
    assert specs["RSV-PP4-52"] == {"pole_pairs": 4, "bore_diameter_mm": 52}
    assert specs["RSV-OLD"] == {"pole_pairs": 4}  # not guessed
    assert specs["INS-48"]["slots"] == 48 and specs["INS-48"]["stack_length_mm"] == 50.8
    assert specs["BB-48"]["slots"] == 48
    assert specs["BB-SET"]["slots"] == 72  # already set: kept
    out = capsys.readouterr().out
    assert "RSV-OLD: resolver.bore_diameter_mm: neither the name" in out
    assert "1 fit field(s) could not be derived" in out

    from parts.domain.specs import clean_specs

    assert [str(e) for e in clean_specs("resolver", specs["RSV-OLD"])[1]] == ["bore_diameter_mm: is required"]
