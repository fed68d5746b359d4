"""Writes for organizations, users and API keys."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http.request import split_domain_port, validate_host
from django.template import loader
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from core import api_key_cache, clock
from core.errors import Conflict, ValidationFailed
from core.models import APPROVAL_LIMITS, ApiKey, CommercialTerms, Membership, Organization, TermsChange, User

logger = logging.getLogger(__name__)


def hash_api_key(raw_key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is safe (no brute force possible)
    # and keeps authentication at one indexed lookup per request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str


def api_key_may_issue(*, user: User, organization: Organization, role: str) -> bool:
    """Who may issue which key: sales reps issue partner keys to partner organizations.

    A key acts for its organization with its role, so a key for a customer (buyer) or a
    staff (sales rep) key would let its issuer act as that customer or as staff through
    the API: only superusers issue those.
    """
    if user.is_superuser:
        return True
    return (user.is_active and user.has_perm("core.add_apikey")
            and organization.kind == Organization.Kind.PARTNER and role == Membership.Role.PARTNER)


def api_key_issue(*, api_key: ApiKey, issued_by: User | None = None) -> IssuedKey:
    """Give an unsaved key (organization, name, role set) its secret, and save it.

    `issued_by` is the person asking (admin); None for the operator's own commands.
    """
    if api_key.role not in Membership.Role.values:
        raise ValidationFailed(f"unknown role {api_key.role!r}", fields={"role": ["unknown role"]})
    if issued_by is not None and not api_key_may_issue(
        user=issued_by, organization=api_key.organization, role=api_key.role
    ):
        raise ValidationFailed(
            "only an operator (superuser) issues keys for customer organizations or staff",
            code="forbidden", status=403, fields={"organization": ["not allowed"]},
        )
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
    """Revoke a key: refused at once by this process, by every other web process within
    COREKIT_API_KEY_CACHE_SECONDS (core.api_key_cache)."""
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        api_key.save(update_fields=["revoked_at"])
    api_key_cache.forget(api_key.hashed_key)
    # Again after commit: a request of this process could re-cache it in between.
    transaction.on_commit(lambda: api_key_cache.forget(api_key.hashed_key))
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


def _terms_locked(organization: Organization) -> CommercialTerms:
    """The organization's stored terms, locked (the defaults, unsaved, when it has none)."""
    stored = CommercialTerms.objects.select_for_update().filter(organization=organization).first()
    return stored if stored is not None else CommercialTerms(organization=organization)


@dataclass(frozen=True)
class TermsSaved:
    proposal: TermsChange | None  # the raise now waiting for another rep
    superseded: TermsChange | None  # the pending raise this edit replaced


@transaction.atomic
def commercial_terms_save(*, terms: CommercialTerms, user) -> TermsSaved:
    """Save a sales rep's edit of an organization's terms. A raised approval limit (agreed
    price-down, manual-discount threshold) is not applied: it waits for another sales rep
    (a TermsChange); the rest of the edit, lowered limits included, is saved now. An edit
    that moves a limit a pending raise names supersedes that raise: approved later, it
    would undo the edit."""
    base = _terms_locked(terms.organization)
    moved = {name for name in APPROVAL_LIMITS if getattr(terms, name) != getattr(base, name)}
    raised = {name: getattr(terms, name) for name in moved if getattr(terms, name) > getattr(base, name)}
    for name in raised:
        setattr(terms, name, getattr(base, name))
    terms._history_user = user
    terms.save()
    now = clock.now()
    pending = TermsChange.objects.filter(organization=terms.organization,
                                         status=TermsChange.Status.PENDING).first()
    superseded = None
    # One pending raise per organization: a new one replaces it (never merged into it: its
    # proposer could then approve their own raise under the new proposer's name).
    if pending is not None and (raised or moved & set(pending.proposed())):
        pending.decide(TermsChange.Status.SUPERSEDED, user, now)
        superseded = pending
    proposal = None
    if raised:
        proposal = TermsChange.objects.create(organization=terms.organization, proposed_by=user,
                                              proposed_at=now, **raised)
    return TermsSaved(proposal=proposal, superseded=superseded)


def _pending_locked(change: TermsChange) -> TermsChange:
    change = TermsChange.objects.select_for_update().select_related("organization", "proposed_by").get(
        pk=change.pk)
    if change.status != TermsChange.Status.PENDING:
        raise Conflict(f"This change was already {change.get_status_display().lower()}.",
                       code="terms_change_decided")
    return change


@transaction.atomic
def terms_change_approve(*, change: TermsChange, user) -> CommercialTerms:
    """Apply a pending raise of approval limits: by a sales rep other than its proposer.

    The applied edit is recorded as the proposer's (with who approved it as its reason): a
    limit its proposer raised still does not count for terms that proposer sets
    (selectors.approval_limits_before_own_changes)."""
    terms = _terms_locked(change.organization)  # the terms first, as every terms edit takes them
    change = _pending_locked(change)
    if change.proposed_by_id == user.pk:
        raise Conflict("You proposed this change: it applies once another sales rep approves it.",
                       code="approval_needs_another_rep")
    for name, value in change.proposed().items():
        setattr(terms, name, value)
    terms.full_clean()
    terms._history_user = change.proposed_by
    terms._change_reason = f"approved by {user.get_username()}"
    terms.save()
    change.decide(TermsChange.Status.APPROVED, user, clock.now())
    return terms


@transaction.atomic
def terms_change_reject(*, change: TermsChange, user) -> TermsChange:
    """Refuse a pending raise (withdrawn, when its proposer does it). Nothing changes."""
    change = _pending_locked(change)
    status = TermsChange.Status.WITHDRAWN if change.proposed_by_id == user.pk else TermsChange.Status.REJECTED
    change.decide(status, user, clock.now())
    return change


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
        # Not strict: a listed model that no longer exists is the allow-list test's to report.
        sales, _ = staff_groups_ensure(strict=False)
        user.groups.add(sales)
    return user


SALES_GROUP = "Sales reps"
AUDIT_GROUP = "Audit (read-only)"

# Staff permissions are an allow-list: a group gets exactly what is listed here, nothing
# else, whatever models are added later. Users, memberships, groups and permissions (the
# `auth` app) are the operator's (superusers only); so are staff API keys (see
# `api_key_may_issue`). tests/integration/test_staff_permissions.py holds its own copy of
# this list and fails on any difference.
_VIEW = ("view",)
_EDIT = ("view", "add", "change")
_ALL = ("view", "add", "change", "delete")
SALES_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # catalog
    "parts.supplier": _EDIT, "parts.part": _EDIT,
    "parts.provenancestage": _ALL, "parts.pricetier": _ALL, "parts.partindexlink": _ALL,
    "parts.index": _EDIT, "parts.indexvalue": _EDIT, "parts.exchangerate": _EDIT,
    "parts.catalogimportjob": _VIEW, "parts.capacitybooking": _VIEW,
    "parts.historicalsupplier": _VIEW, "parts.historicalpart": _VIEW,
    "parts.historicalprovenancestage": _VIEW, "parts.historicalpricetier": _VIEW,
    "parts.historicalindexvalue": _VIEW, "parts.historicalexchangerate": _VIEW,
    # customers' configurations are theirs: the desk reads them
    "configurator.kittemplate": _VIEW, "configurator.kitslot": _VIEW,
    "configurator.configuration": _VIEW, "configurator.configurationline": _VIEW,
    "configurator.scheduleyear": _VIEW, "configurator.changeimpact": _VIEW,
    "configurator.custompolicy": _EDIT, "configurator.historicalcustompolicy": _VIEW,
    # quote desk, orders, integrations
    "orders.quote": ("view", "change"), "orders.historicalquote": _VIEW,
    "orders.quoteevent": _VIEW, "orders.order": ("view", "change"), "orders.orderdelivery": _VIEW,
    "orders.webhookendpoint": _ALL, "orders.webhookdelivery": _VIEW,
    # customers: organizations and their partner keys; never users or memberships
    "core.organization": _EDIT, "core.apikey": _EDIT, "core.outboxmessage": _VIEW,
    "core.commercialterms": _EDIT, "core.historicalcommercialterms": _VIEW,
    "core.termschange": ("view", "change"),  # approved or rejected, never added or deleted
}
AUDIT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    model: _VIEW for model in SALES_PERMISSIONS if model != "core.apikey"
}
STAFF_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    SALES_GROUP: SALES_PERMISSIONS, AUDIT_GROUP: AUDIT_PERMISSIONS,
}


def staff_group_permissions(listing: dict[str, tuple[str, ...]], *, strict: bool = True):
    """The Permission rows a listing names; strict: every one must exist."""
    from django.contrib.auth.models import Permission

    wanted = {(model.split(".")[0], f"{action}_{model.split('.')[1]}")
              for model, actions in listing.items() for action in actions}
    found = [p for p in Permission.objects.filter(codename__in={c for _, c in wanted})
             .select_related("content_type")
             if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if strict and missing:
        raise LookupError(f"staff permissions listed but not defined: {sorted(missing)}")
    return found


def staff_groups_ensure(*, strict: bool = True):
    """The admin's two staff groups with exactly their listed permissions (run after migrate)."""
    from django.contrib.auth.models import Group

    groups = []
    for name, listing in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(staff_group_permissions(listing, strict=strict))
        groups.append(group)
    return tuple(groups)


#: The reset e-mail's templates: the worker's own, whatever the queued message says.
PASSWORD_RESET_SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
PASSWORD_RESET_EMAIL_TEMPLATE = "registration/password_reset_email.html"


def _site_answers_to(domain: str, protocol: str) -> bool:
    """Whether a reset link on `protocol://domain` points at this site: a host it answers to
    (ALLOWED_HOSTS, which the reset form's request passed), over http or https."""
    host, _port = split_domain_port(domain)
    allowed = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return protocol in ("http", "https") and bool(host) and validate_host(host, allowed)


def password_reset_email_send(*, user_id: int, to_email: str, domain: str, protocol: str,
                              **recorded) -> bool:
    """Send the password-reset e-mail a form recorded (core.forms.OutboxPasswordResetForm).

    The link's token is made now, from the account as it is now; nothing is sent when the
    account has since been deactivated, lost its usable password or changed its address.
    A mail server that fails raises (OSError): the task retries. (Django's own
    `PasswordResetForm.send_mail` renders the same way but logs a failure and returns.)

    The queued message is trusted with the account and the address the request came to,
    nothing more: whoever can write to the broker can forge one, and a link pointing at
    their own site would hand them the token. So the link must point at a host this site
    answers to, and the templates, the sender and the site name are fixed here; a message
    naming others (messages queued before this rule carried them) is refused."""
    fixed = {"site_name": domain, "from_email": None,
             "subject_template_name": PASSWORD_RESET_SUBJECT_TEMPLATE,
             "email_template_name": PASSWORD_RESET_EMAIL_TEMPLATE, "html_email_template_name": None}
    forged = sorted(k for k, v in recorded.items() if k not in fixed or v != fixed[k])
    if forged or not _site_answers_to(domain, protocol):
        logger.warning("password reset for user %s refused: the queued message names %s",
                       user_id, ", ".join(forged) or f"a site this one is not ({protocol}://{domain})")
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    if getattr(user, User.get_email_field_name()) != to_email:
        return False
    context = {"email": to_email, "domain": domain, "site_name": domain, "protocol": protocol,
               "uid": urlsafe_base64_encode(force_bytes(user.pk)), "user": user,
               "token": default_token_generator.make_token(user)}
    subject = "".join(loader.render_to_string(PASSWORD_RESET_SUBJECT_TEMPLATE, context).splitlines())
    message = EmailMultiAlternatives(
        subject, loader.render_to_string(PASSWORD_RESET_EMAIL_TEMPLATE, context), None, [to_email])
    message.send()
    return True
