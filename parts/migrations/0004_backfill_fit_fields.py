"""Fill in the fit fields the RESOLVER_FIT, INSULATION_FIT and BUSBAR_FIT rules read.

resolver.bore_diameter_mm, insulation.slots, insulation.stack_length_mm and
busbar.slots are required from now on. Each stored part gets them from its own
name ("for 52 mm shaft", "48 slots x 50.8 mm", "48-slot stator") or, failing
that, from the demo catalog's part with its SKU (parts.domain.fit_backfill).
A part neither states is printed and left as it is: the admin form and a
re-import then flag the missing field instead of a guessed value passing as data.
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Now

from parts.domain.fit_backfill import FIT_FIELDS, derive_fit_fields

_DEMO_CATALOG = Path(__file__).resolve().parents[1] / "data" / "demo_catalog.json"


def _demo_specs() -> dict[str, dict]:
    try:
        document = json.loads(_DEMO_CATALOG.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {p["sku"]: p.get("specs") or {} for p in document.get("parts", ()) if "sku" in p}


def backfill(apps, schema_editor):
    Part = apps.get_model("parts", "Part")
    CatalogStamp = apps.get_model("parts", "CatalogStamp")
    parts = list(Part.objects.filter(category__in=list(FIT_FIELDS)).order_by("sku"))
    if not parts:
        return
    demo = _demo_specs()
    changed, problems = [], []
    for part in parts:
        specs = part.specs if isinstance(part.specs, dict) else {}
        found = derive_fit_fields(
            category=part.category, sku=part.sku, name=part.name, specs=specs, demo_specs=demo
        )
        problems.extend(found.problems)
        if found.values:
            part.specs = {**specs, **found.values}
            changed.append(part)
    Part.objects.bulk_update(changed, ["specs"], batch_size=500)
    if changed:
        updated = CatalogStamp.objects.filter(pk=1).update(version=F("version") + 1, changed_at=Now())
        if not updated:
            CatalogStamp.objects.get_or_create(pk=1, defaults={"version": 1})
    if problems:
        print(
            f"\n  parts.0004: {len(problems)} fit field(s) could not be derived; "
            "those parts fail validation until they are set (admin or catalog import):"
        )
        for line in problems:
            print(f"    {line}")


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0003_history"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
