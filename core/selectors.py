"""Reads for organizations and API keys, including the one tenancy lookup."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

from core import api_key_cache, clock
from core.compiled import CompiledQuery
from core.models import APPROVAL_LIMITS, ApiKey, CommercialTerms, Membership, Organization
from core.services import hash_api_key


@dataclass(frozen=True)
class Principal:
    """Who is calling: an organization and a role, from a session user or an API key."""

    organization: Organization
    role: str
    api_key: ApiKey | None = None

    @property
    def is_sales_rep(self) -> bool:
        return self.role == Membership.Role.SALES_REP


def principal_for_user(user) -> Principal | None:
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.select_related("organization").filter(user_id=user.pk).first()
    )
    if membership is None:
        return None
    return Principal(organization=membership.organization, role=membership.role)


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key for this secret, or None. Touches last_used_at at most once a minute.

    A key that authenticated is trusted for a few seconds without a query
    (`core.api_key_cache`: revocation reaches every process within that bound)."""
    hashed = hash_api_key(raw_key)
    cached = api_key_cache.get(hashed)
    if cached is not None:
        return cached
    key = _active_key(hashed)
    if key is None:
        return None
    api_key_cache.put(hashed, key)
    now = clock.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now)
        ).update(last_used_at=now)
    return key


_KEY_COLUMNS = tuple(f.attname for f in ApiKey._meta.concrete_fields)
_ORGANIZATION_COLUMNS = tuple(f.attname for f in Organization._meta.concrete_fields)
# The key with its organization, in one query whose SQL is built once per process
# (`core.compiled`): every key-cache miss pays it, and building it cost more than running it.
_ACTIVE_KEY = CompiledQuery(lambda hashed: (
    ApiKey.objects.filter(hashed_key=hashed, revoked_at__isnull=True)
    .values_list(*_KEY_COLUMNS, *(f"organization__{c}" for c in _ORGANIZATION_COLUMNS))
))


def _active_key(hashed: str) -> ApiKey | None:
    rows = _ACTIVE_KEY.rows(hashed=hashed)
    if not rows:
        return None
    row, split = rows[0], len(_KEY_COLUMNS)
    key = ApiKey.from_db(DEFAULT_DB_ALIAS, _KEY_COLUMNS, row[:split])
    key.organization = Organization.from_db(DEFAULT_DB_ALIAS, _ORGANIZATION_COLUMNS, row[split:])
    return key


def organization_list() -> list[Organization]:
    return list(Organization.objects.all())


# Read on every quote request; its SQL built once per process (`core.compiled`).
_TERMS = CompiledQuery(lambda organization: CommercialTerms.objects.filter(organization=organization))


def commercial_terms_get(*, organization: Organization) -> CommercialTerms:
    """The organization's terms; the defaults (unsaved) when sales has not recorded any."""
    found = _TERMS.rows(organization=organization)
    if not found:
        return CommercialTerms(organization=organization)
    terms = found[0]
    terms.organization = organization
    return terms


def approval_limits_before_own_changes(*, organization: Organization, user) -> dict[str, Decimal]:
    """The organization's approval limits (agreed price-down, discount threshold) for judging
    terms `user` sets: each the lowest of today's and every value it had before `user`'s own
    changes to it, back to a value someone else set. A sales rep who raised a limit cannot
    use the raise alone: one who set the threshold to 60 % and then re-quoted at 50 % offered
    it unapproved."""
    current = commercial_terms_get(organization=organization)
    limits = {name: getattr(current, name) for name in APPROVAL_LIMITS}
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return limits
    rows = list(CommercialTerms.history.filter(organization_id=organization.pk).order_by(
        "-history_date", "-history_id").values("history_user_id", *APPROVAL_LIMITS))  # newest first
    defaults = CommercialTerms(organization=organization)
    for name in APPROVAL_LIMITS:
        i = 0
        while i < len(rows):
            j = i  # rows[i..j] hold the same value; rows[j] is the edit that set it
            while j + 1 < len(rows) and rows[j + 1][name] == rows[i][name]:
                j += 1
            if rows[j]["history_user_id"] != user_id:
                break  # set by someone else: it stands
            before = rows[j + 1][name] if j + 1 < len(rows) else getattr(defaults, name)
            limits[name] = min(limits[name], before)
            i = j + 1
    return limits


def commercial_terms_snapshot(terms: CommercialTerms) -> dict:
    """The terms as a quote freezes them (JSON): later edits do not change an issued quote."""
    organization = terms.organization
    return {
        "legal_name": terms.legal_name or organization.name,
        "address": terms.address,
        "country": organization.country,
        "default_currency": terms.default_currency,
        "agreed_price_down_pct": str(terms.agreed_price_down_pct),
        "discount_approval_threshold_pct": str(terms.discount_approval_threshold_pct),
        "incoterms": terms.incoterms,
        "incoterms_place": terms.incoterms_place,
        "payment_terms_days": terms.payment_terms_days,
        "payment_terms": terms.payment_terms,
    }
