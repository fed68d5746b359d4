"""Every violation code the engine can report (domain.md sections 4, 5 and 7), named once.

Codes are part of the public contract (API bodies, quote snapshots, tests), so
they are spelled here and imported everywhere else; a typo in a rule or its
inverted form becomes an ImportError instead of a silently unmatched string.
"""

from __future__ import annotations

# --- structure (domain.md section 4)
SLOT_REQUIRED = "SLOT_REQUIRED"
SLOT_QUANTITY = "SLOT_QUANTITY"
SLOT_CATEGORY = "SLOT_CATEGORY"
PART_INACTIVE = "PART_INACTIVE"

# --- compatibility (domain.md section 4)
AIR_GAP = "AIR_GAP"
STACK_LENGTH = "STACK_LENGTH"
SLOT_POLE = "SLOT_POLE"
MAGNET_FIT = "MAGNET_FIT"
MAGNET_TEMP = "MAGNET_TEMP"
INSULATION_CLASS = "INSULATION_CLASS"
WINDING_SLOT_TYPE = "WINDING_SLOT_TYPE"
VOLTAGE_CLASS = "VOLTAGE_CLASS"
LAMINATION_MATCH = "LAMINATION_MATCH"
ROTOR_SPEED = "ROTOR_SPEED"
SHAFT_FIT = "SHAFT_FIT"
END_PLATE_FIT = "END_PLATE_FIT"
RESOLVER_POLES = "RESOLVER_POLES"
RESOLVER_FIT = "RESOLVER_FIT"
INSULATION_FIT = "INSULATION_FIT"
BUSBAR_PHASES = "BUSBAR_PHASES"
BUSBAR_FIT = "BUSBAR_FIT"

# --- completion (guided options): a part that fits but that no complete kit can hold
DEAD_END = "DEAD_END"

# --- sourcing and schedule (domain.md sections 5 and 7)
ORIGIN_EXCLUDED = "ORIGIN_EXCLUDED"
ORIGIN_UNKNOWN = "ORIGIN_UNKNOWN"
ENTITY_RESTRICTED = "ENTITY_RESTRICTED"
EVIDENCE_EXPIRED = "EVIDENCE_EXPIRED"
EVIDENCE_RENEWAL = "EVIDENCE_RENEWAL"
CONCENTRATION = "CONCENTRATION"
CAPACITY = "CAPACITY"
LEAD_TIME = "LEAD_TIME"

STRUCTURE_CODES: frozenset[str] = frozenset({SLOT_REQUIRED, SLOT_QUANTITY, SLOT_CATEGORY, PART_INACTIVE})

COMPATIBILITY_CODES: frozenset[str] = frozenset(
    {
        AIR_GAP,
        STACK_LENGTH,
        SLOT_POLE,
        MAGNET_FIT,
        MAGNET_TEMP,
        INSULATION_CLASS,
        WINDING_SLOT_TYPE,
        VOLTAGE_CLASS,
        LAMINATION_MATCH,
        ROTOR_SPEED,
        SHAFT_FIT,
        END_PLATE_FIT,
        RESOLVER_POLES,
        RESOLVER_FIT,
        INSULATION_FIT,
        BUSBAR_PHASES,
        BUSBAR_FIT,
    }
)
