"""Writes for organizations, users and API keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from core import clock
from core.errors import ValidationFailed
from core.models import ApiKey, CommercialTerms, Membership, Organization, User


def hash_api_key(raw_key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is safe (no brute force possible)
    # and keeps authentication at one indexed lookup per request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str


def api_key_issue(*, api_key: ApiKey) -> IssuedKey:
    """Give an unsaved key (organization, name, role set) its secret, and save it."""
    if api_key.role not in Membership.Role.values:
        raise ValidationFailed(f"unknown role {api_key.role!r}", fields={"role": ["unknown role"]})
    prefix = secrets.token_hex(4)
    raw_key = f"{settings.COREKIT_API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key.prefix = prefix
    api_key.hashed_key = hash_api_key(raw_key)
    api_key.save()
    return IssuedKey(api_key=api_key, raw_key=raw_key)


def api_key_create(
    *, organization: Organization, name: str, role: str = Membership.Role.PARTNER,
    created_by: User | None = None,
) -> IssuedKey:
    return api_key_issue(
        api_key=ApiKey(organization=organization, name=name, role=role, created_by=created_by)
    )


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def organization_get_or_create(*, name: str, kind: str, country: str = "") -> Organization:
    if kind not in Organization.Kind.values:
        raise ValidationFailed(f"unknown organization kind {kind!r}", fields={"kind": ["unknown"]})
    org, _ = Organization.objects.get_or_create(
        name=name, defaults={"kind": kind, "slug": slugify(name)[:80], "country": country}
    )
    return org


def commercial_terms_ensure(*, organization: Organization, **defaults) -> CommercialTerms:
    """Record an organization's terms unless sales already has (their edits are kept)."""
    terms = CommercialTerms.objects.filter(organization=organization).first()
    if terms is None:
        terms = CommercialTerms(organization=organization, **defaults)
        terms.full_clean()
        terms.save()
    return terms


@transaction.atomic
def user_upsert(
    *, username: str, password: str, organization: Organization, role: str,
    email: str = "", first_name: str = "", last_name: str = "",
) -> User:
    """Create or reset a user with one membership. Sales reps are staff (they use the admin)."""
    user, _ = User.objects.get_or_create(username=username)
    user.email = email
    user.first_name = first_name
    user.last_name = last_name
    # Sales reps are staff with the sales group's permissions, not superusers.
    user.is_staff = role == Membership.Role.SALES_REP
    user.is_superuser = False
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(
        user=user, defaults={"organization": organization, "role": role}
    )
    if role == Membership.Role.SALES_REP:
        sales, _ = staff_groups_ensure()
        user.groups.add(sales)
    return user


SALES_GROUP = "Sales reps"
AUDIT_GROUP = "Audit (read-only)"
_SALES_APPS = ("parts", "configurator", "orders", "core")


def staff_groups_ensure():
    """The admin's two staff groups: sales reps change the catalog and quotes, auditors read."""
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.filter(content_type__app_label__in=_SALES_APPS)
    sales, _ = Group.objects.get_or_create(name=SALES_GROUP)
    sales.permissions.set(perms)
    audit, _ = Group.objects.get_or_create(name=AUDIT_GROUP)
    audit.permissions.set(perms.filter(codename__startswith="view_"))
    return sales, audit
