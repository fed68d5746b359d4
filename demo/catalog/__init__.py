"""Build the corekit demo catalog (format "corekit-catalog/1", interfaces.md section 1).

Pure Python, standard library only: no Django import, so the seed command, the
benchmarks and the unit tests can all call it. Nothing is built at import time:
``build_demo_catalog()`` runs the builder, and ``FAMILIES`` / ``NEAR_MISSES`` are
built on first use.

    python -m demo.catalog parts/data/demo_catalog.json
    python -m demo.catalog --synthetic 10000 /tmp/catalog-10k.json

By concern: ``tables`` (the data: grades, suppliers, families, schedules, tiers,
index series, rates), ``units`` (conversions), ``supply_chains``, ``rotor`` and
``stator`` (how each kind of part is made), ``families`` (defaults, variants and
near-misses per family), ``design`` (the pass that runs them, and the document),
``synthetic`` (benchmark catalogs) and ``cli``.

``build_demo_catalog()`` is deterministic (no clock, no randomness): the same
document every run. ``build_synthetic_catalog(n_parts, seed=7)`` returns the demo
parts plus seeded, jittered copies of them (unique SKUs) so that a benchmark
catalog has the same spec distributions, the same share of near-misses and the
same share of China-excluded and conventional supply chains as the demo.

Families
--------
``FAMILIES`` describes four complete motor-core packages (template
``motor-core-package``) that pass every compatibility rule of domain.md section 4
with the requirements below, and the ``china-excluded`` sourcing policy (no
declared stage in CN, every required stage declared, no expired evidence, no
restricted entity). Each family has default SKUs per slot (``skus``), the kit
quantities (``quantities``; magnets by the formula poles x magnets_per_pole x
floor(pocket_length / magnet length)), a delivery ``schedule`` (2028-2032, within
every default part's annual capacity and lead time as of 2026-11-26) and
``variants``: slot overrides that keep the configuration valid (other plants,
segmented magnets, hairpin/round-wire pairs, keyed shafts, 1-pole-pair resolvers).

Fits the part names state: a resolver "for 52 mm shaft" has a 52 mm bore (the
family's rotor bore, within 0.10 mm of its press seat at +0.04 and its keyed seat
at -0.02); slot insulation "48 slots x 50.8 mm" is cut for that slot count and
stack; a busbar "48-slot stator" has 48 slots; end plate bores are the rotor bore
+ 0.5 mm (0.46 and 0.52 mm over the two seats, at most 1.0 allowed).

======== ======================================== ====== ======= ======== =========
code     geometry                                 dc bus speed   magnet   winding
                                                  (V)    (rpm)   max (C)  max (C)
======== ======================================== ====== ======= ======== =========
CK48-8   48 slots / 8 poles, Prius 2010 class:    400    13,500  150      180
         stator OD 264, bore 161.9, rotor OD
         160.44, stack 50.8, round wire; magnets
         49.3 x 17.9 x 7.2 in 50.8 x 18.0 x 7.3
         pockets, 2 per pole (16 per kit)
CK72-12  72 slots / 12 poles: stator OD 290,      800    11,000  150      180
         bore 200.0, rotor OD 198.6, stack 60,
         hairpin, pd-free insulation
CK54-6   54 slots / 6 poles: stator OD 270, bore  400    12,000  150      180
         180.0, rotor OD 178.8, stack 90, hairpin,
         3 magnets per pole in 2 axial segments
CK72-8   72 slots / 8 poles, Bolt class: stator   800    14,000  180      200
         OD 220, bore 141.0, rotor OD 140.0,
         stack 110, hairpin class N, UH magnets
         in 3 axial segments
======== ======================================== ====== ======= ======== =========

Air gaps are 0.73, 0.70, 0.60 and 0.50 mm; rotor surface speed stays below
120 m/s at both the required and the rated rotor speed.

Near-misses
-----------
``NEAR_MISSES`` maps each deliberately excluded SKU to the family it was made
for, the slot, the rule code that excludes it and its severity. Swapped into the
family's default configuration, a compatibility near-miss breaks exactly that one
rule: rotor ODs giving an air gap of 0.2 mm (error) and 0.3 mm (warning), a rotor
stack 2.5 mm too long, a rotor rated 1,000 rpm below the requirement, a magnet
whose width leaves 0.01 mm pocket clearance (0.01 mm too wide for the 0.02 mm
minimum), an N45H (120 C) magnet, F-class insulation, a keyed shaft with 0.08 mm
clearance, a winding for the wrong slot or pole count, an oversize end plate, a
loose end plate (bore 1.2 mm over the rotor bore: more than 1.0 mm over either
shaft seat), a resolver with the wrong pole pairs, a resolver for a shaft 2 mm
thinner (RESOLVER_FIT), insulation cut for another family's slot count and for a
stack 1.0 mm longer (INSULATION_FIT), a busbar for another family's slot count
(BUSBAR_FIT), 400 V busbars and non-pd-free insulation in
800 V families, one inactive part per family, a thinner rotor lamination
(LAMINATION_MATCH warning) and a pilot-line resolver of 20,000 units a year
(CAPACITY against the family schedule). Sourcing near-misses fit the geometry but
fail a policy: conventional Chinese chains (ORIGIN_EXCLUDED under china-excluded),
a Korean-made magnet from Chinese ore (dfars-7052: allowed until 2026-12-31,
excluded from 2027-01-01), magnets with an undeclared mining or separation stage
(ORIGIN_UNKNOWN), magnets with expired evidence (EVIDENCE_EXPIRED) and magnets
whose alloy stage is a supplier marked restricted (ENTITY_RESTRICTED under uflpa).
"""


from __future__ import annotations

from typing import Any

from demo.catalog.cli import main
from demo.catalog.design import build_demo_catalog, reference_design
from demo.catalog.synthetic import build_synthetic_catalog
from demo.catalog.tables import REFERENCE_DATE
from demo.catalog.units import magnet_quantity, parse_grade

__all__ = [
    "FAMILIES",
    "NEAR_MISSES",
    "REFERENCE_DATE",
    "build_demo_catalog",
    "build_synthetic_catalog",
    "magnet_quantity",
    "main",
    "parse_grade",
]


def __getattr__(name: str) -> Any:
    # FAMILIES: family code -> {"title", "template", "requirements", "sourcing_policy",
    #   "skus" (slot -> sku), "quantities" (slot -> per kit), "schedule", "variants"}
    # NEAR_MISSES: sku -> {"family", "slot", "rule", "severity", "kind", "policy", "note"}
    # Both built on first use (PEP 562), not when the package is imported.
    if name == "FAMILIES":
        return reference_design().families
    if name == "NEAR_MISSES":
        return reference_design().near_misses
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
