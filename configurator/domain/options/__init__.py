"""Guided options: the catalog parts that fit a slot, given everything else chosen.

A candidate for slot S is judged the way a buyer would get it by choosing it:
it replaces whatever S holds, with the default quantity (magnets: the formula
with the chosen rotor core, otherwise the slot minimum, at least 1; choosing a
rotor core re-derives the magnet count by the formula, so the magnets' quantity
check is not blamed on the candidate). It is feasible when no error-severity
violation *involving S* follows (`violations_involving`, domain.md section 4):
an empty slot elsewhere hides nothing, and another slot's own trouble is not the
candidate's. `candidate_snapshot()` builds exactly that kit, so callers (and the
property tests) can check any option against the full engine.

How it stays fast on 100k parts
-------------------------------
Running every candidate through the rules costs ~100 us each. Instead the
`CatalogIndex` (`index`) keeps, per category, the parts in page order (cheapest
reference price, then lead time, then SKU) and bit sets over those positions
(Python ints, `bits`):

* per numeric spec a sorted array with prefix bit sets every few hundred
  entries, so "width > 17.98" is a bisect plus a few hundred bit sets at most;
* per categorical spec (poles, slots, fit, insulation class...) a bit set per
  value;
* per supply-chain signature (supplier and declared stages) a bit set, so a
  policy version is judged once per distinct chain, not once per part.

Each compatibility rule has an inverted form, kept in the rule's own module
(configurator.domain.rules): from the other chosen parts and the requirements
it derives the admissible values of the candidate's specs and yields the bit
set of candidates it excludes (`judge` runs them). Counts per code, the
feasible set and the page order are then a few big-int operations and
`int.bit_count()` (`listing`). Only the page items are run through the engine
(on the slots the candidate's rules read), which gives them their messages with
numbers and double-checks the bit sets. That confirmation (`judge.Confirmer`)
gives exactly the engine's errors involving the slot without the engine's
thrown-away work: the candidate's policy and schedule are judged for it alone,
and a candidate whose values of the fields the rules read (traced as they read
them) match an earlier clean candidate's of the same page has no rule error
either. A page holds one or two completion classes, so most items cost a policy
look-up and a schedule check.

Parts the bit sets cannot judge exactly (a non-finite spec value, a rotor core
whose magnet formula is not positive, a part whose SKU is also on another line)
are judged one by one with the engine; in a cleaned catalog there are none.
`policy_filter` answers the sourcing policy for single parts (catalog browsing).
"""

from configurator.domain.options.index import CatalogIndex
from configurator.domain.options.judge import candidate_snapshot, default_quantity
from configurator.domain.options.listing import (
    Option,
    SlotOptions,
    all_slot_options,
    cheapest_feasible,
    cost_key,
    cost_per_kit,
    slot_options,
)
from configurator.domain.options.policy_filter import (
    SOURCING_ERROR_CODES,
    part_policy_violations,
    parts_satisfying_policy,
)

__all__ = [
    "SOURCING_ERROR_CODES",
    "CatalogIndex",
    "Option",
    "SlotOptions",
    "all_slot_options",
    "candidate_snapshot",
    "cheapest_feasible",
    "cost_key",
    "cost_per_kit",
    "default_quantity",
    "part_policy_violations",
    "parts_satisfying_policy",
    "slot_options",
]
