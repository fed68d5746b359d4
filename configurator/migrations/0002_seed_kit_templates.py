"""The three kit templates of domain.md section 3. Sales reps may edit them in the admin."""

from django.db import migrations

ROTOR = [
    ("rotor_core", "rotor_core", 1, 1, True, ""),
    ("magnet", "magnet", 1, 5000, True, "magnet"),
    ("shaft", "shaft", 1, 1, True, ""),
    ("end_plate", "end_plate", 2, 2, True, ""),
    ("resolver", "resolver", 0, 1, False, ""),
]
STATOR = [
    ("stator_core", "stator_core", 1, 1, True, ""),
    ("winding", "winding", 1, 1, True, ""),
    ("insulation", "insulation", 1, 1, True, ""),
    ("busbar", "busbar", 1, 1, True, ""),
    ("temperature_sensor", "temperature_sensor", 0, 3, False, ""),
]
TEMPLATES = [
    ("rotor-kit", "Rotor kit",
     "Rotor core, sintered NdFeB magnets, shaft, two end plates and an optional resolver rotor.",
     ROTOR),
    ("stator-kit", "Stator kit",
     "Stator core, winding, slot insulation system, busbar set and optional temperature sensors.",
     STATOR),
    ("motor-core-package", "Motor-core package",
     "Both kits together, sold as one line.", ROTOR + STATOR),
]


def seed(apps, schema_editor):
    KitTemplate = apps.get_model("configurator", "KitTemplate")
    KitSlot = apps.get_model("configurator", "KitSlot")
    for code, name, description, slots in TEMPLATES:
        template, _ = KitTemplate.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        for position, (slot, category, lo, hi, required, formula) in enumerate(slots):
            KitSlot.objects.update_or_create(
                template=template, code=slot,
                defaults={"category": category, "min_qty": lo, "max_qty": hi,
                          "required": required, "formula": formula, "position": position},
            )


class Migration(migrations.Migration):
    dependencies = [("configurator", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
