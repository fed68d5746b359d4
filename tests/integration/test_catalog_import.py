import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parts.models import ExchangeRate, Index, IndexValue, Part, PriceTier, ProvenanceStage, Supplier
from parts.selectors import catalog_export
from parts.services import catalog_import, catalog_import_text

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Supplier.objects.count(), Part.objects.count(), ProvenanceStage.objects.count(),
        PriceTier.objects.count(), Index.objects.count(), IndexValue.objects.count(),
        ExchangeRate.objects.count(),
    )


def test_import_creates_every_kind_of_row(small_catalog):
    report = catalog_import(document=small_catalog)
    assert report.ok
    assert report.created["parts"] == ["MAG-N48SH-4930", "SH-PRESS-45"]
    assert _counts() == (2, 2, 7, 3, 1, 2, 1)
    magnet = Part.objects.get(sku="MAG-N48SH-4930")
    assert magnet.specs["remanence_t"] == 1.39
    assert str(magnet.index_links.get().kg_per_unit.normalize()) == "0.0135"
    mining = magnet.provenance.get(stage="mining")
    assert (mining.evidence_reference, str(mining.evidence_expires)) == ("COO-2026-0117", "2027-06-30")


def test_reimporting_the_same_file_changes_nothing(loaded_catalog):
    before = list(Part.objects.values_list("sku", "updated_at"))
    report = catalog_import(document=loaded_catalog)
    assert report.ok
    assert report.created["parts"] == [] and report.updated["parts"] == []
    assert report.unchanged["parts"] == 2
    assert list(Part.objects.values_list("sku", "updated_at")) == before


def test_import_updates_by_sku_and_replaces_children(loaded_catalog):
    doc = copy.deepcopy(loaded_catalog)
    doc["parts"][0]["pricing"]["tiers"] = [{"min_qty": 1, "unit_price": "3.10"}]
    doc["parts"][0]["provenance"][2]["country"] = "KR"
    report = catalog_import(document=doc)
    assert report.updated["parts"] == ["MAG-N48SH-4930"]
    part = Part.objects.get(sku="MAG-N48SH-4930")
    assert [str(t.unit_price) for t in part.price_tiers.all()] == ["3.100000"]
    assert part.provenance.get(stage="metal_alloy").country == "KR"
    assert Part.objects.count() == 2


def test_dry_run_reports_changes_and_writes_nothing(small_catalog):
    report = catalog_import(document=small_catalog, dry_run=True)
    assert report.ok and report.dry_run
    assert len(report.created["parts"]) == 2
    assert _counts() == (0, 0, 0, 0, 0, 0, 0)


def test_one_bad_row_among_a_thousand_writes_nothing_and_names_the_row():
    from demo.catalog import build_synthetic_catalog

    doc = build_synthetic_catalog(1000)
    bad = next(i for i, p in enumerate(doc["parts"]) if p["category"] == "rotor_core" and i > 500)
    doc["parts"][bad]["specs"]["poles"] = 7
    report = catalog_import(document=doc)
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        f"parts[{bad}].specs.poles: " + report.errors[0].message
    ]
    assert "even" in report.errors[0].message
    assert _counts() == (0, 0, 0, 0, 0, 0, 0)


def test_every_error_is_reported_with_its_json_path(small_catalog):
    doc = small_catalog
    doc["parts"][0]["specs"]["max_operating_temp_c"] = 170  # N48SH is rated 150 °C at most
    doc["parts"][1]["supplier"] = "NOPE"
    doc["parts"][1]["pricing"]["currency"] = "JPY"
    doc["parts"][1]["provenance"][0]["country"] = "XX"
    doc["exchange_rates"][0]["rate"] = "-1"
    report = catalog_import(document=doc)
    paths = {e.path for e in report.errors}
    assert paths == {
        "parts[0].specs.max_operating_temp_c",
        "parts[1].supplier",
        "parts[1].pricing.currency",
        "parts[1].provenance[0].country",
        "exchange_rates[0].rate",
    }
    assert _counts() == (0, 0, 0, 0, 0, 0, 0)


def test_invalid_json_is_reported_not_raised():
    report = catalog_import_text(text=b'{"format": "corekit-catalog/1", "parts": [}')
    assert not report.ok
    assert report.errors[0].path == "$" and "line 1" in report.errors[0].message


def test_a_later_file_may_reference_suppliers_and_indices_already_in_the_catalog(loaded_catalog):
    doc = {"format": "corekit-catalog/1", "parts": [copy.deepcopy(loaded_catalog["parts"][0])]}
    doc["parts"][0]["sku"] = "MAG-N48SH-4930-B"
    report = catalog_import(document=doc)
    assert report.ok, report.errors
    assert Part.objects.get(sku="MAG-N48SH-4930-B").supplier.code == "SGI"


def test_export_then_import_round_trips_the_demo_catalog(tmp_path):
    call_command("import_catalog", "parts/data/demo_catalog.json")
    first = catalog_export()
    out = tmp_path / "export.json"
    call_command("export_catalog", str(out))
    exported = json.loads(out.read_text())
    assert exported == json.loads(json.dumps(first))

    # Into an empty catalog: the same catalog comes back, row for row.
    Part.objects.all().delete()
    IndexValue.objects.all().delete()
    ExchangeRate.objects.all().delete()
    report = catalog_import_text(text=out.read_bytes())
    assert report.ok, report.errors[:3]
    assert catalog_export() == first
    # And over itself: nothing to change.
    again = catalog_import_text(text=out.read_bytes())
    assert again.created["parts"] == [] and again.updated["parts"] == []


def test_import_command_exits_non_zero_and_prints_every_error(tmp_path, small_catalog, capsys):
    small_catalog["parts"][0]["specs"]["grade"] = "N99"
    small_catalog["parts"][1]["moq"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(small_catalog))
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_catalog", str(path))
    err = capsys.readouterr().err
    assert "parts[0].specs.grade:" in err and "parts[1].moq: must be at least 1" in err
    assert Part.objects.count() == 0


def test_import_command_dry_run_writes_nothing(tmp_path, small_catalog, capsys):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(small_catalog))
    call_command("import_catalog", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert Part.objects.count() == 0


def test_the_fit_fields_are_required_on_import_and_named_by_json_path():
    from demo.catalog import build_demo_catalog

    doc = build_demo_catalog()
    parts = doc["parts"]
    resolver = next(i for i, p in enumerate(parts) if p["category"] == "resolver")
    insulation = next(i for i, p in enumerate(parts) if p["category"] == "insulation")
    busbar = next(i for i, p in enumerate(parts) if p["category"] == "busbar")
    del parts[resolver]["specs"]["bore_diameter_mm"]
    del parts[insulation]["specs"]["slots"]
    parts[insulation]["specs"]["stack_length_mm"] = -50.8
    parts[busbar]["specs"]["slots"] = "48-slot"
    report = catalog_import(document=doc)
    assert not report.ok
    assert {str(e).split(":")[0] for e in report.errors} == {
        f"parts[{resolver}].specs.bore_diameter_mm",
        f"parts[{insulation}].specs.slots",
        f"parts[{insulation}].specs.stack_length_mm",
        f"parts[{busbar}].specs.slots",
    }
    assert f"parts[{resolver}].specs.bore_diameter_mm: is required" in {str(e) for e in report.errors}
    assert _counts() == (0, 0, 0, 0, 0, 0, 0)


def test_import_command_refuses_a_part_giving_a_key_twice_and_writes_nothing(tmp_path, small_catalog, capsys):
    text = json.dumps(small_catalog)
    sku = json.dumps(small_catalog["parts"][1]["sku"])
    path = tmp_path / "twice.json"
    path.write_text(text.replace(f'"sku": {sku}', f'"moq": 1, "sku": {sku}', 1))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_catalog", str(path))
    assert "parts[1]: 'moq' is given twice in one object" in capsys.readouterr().err
    assert Part.objects.count() == 0 and Supplier.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_command_line_import_reports_commits_and_ends_at_once(tmp_path, small_catalog):
    """From the command line a successful import ends its process without tearing the
    interpreter down (a quarter of a second of CPU after the commit, on the web processes'
    cores on one host): its report is still printed, its rows committed, its exit code 0;
    a refused file still exits 1 with every error."""
    import os
    import subprocess
    import sys

    from tests.workers import ROOT, database_url

    env = {**{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()}
    good = tmp_path / "ok.json"
    good.write_text(json.dumps(small_catalog))
    done = subprocess.run([sys.executable, "manage.py", "import_catalog", str(good)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported: ") and "parts: 2 new" in done.stdout
    assert Part.objects.count() == len(small_catalog["parts"])

    small_catalog["parts"][0]["moq"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(small_catalog))
    refused = subprocess.run([sys.executable, "manage.py", "import_catalog", str(bad)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "parts[0].moq: must be at least 1" in refused.stderr
