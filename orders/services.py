"""Quote lifecycle and orders: request, generate (in a worker), review, accept.

    queued → pricing → ready → sent → accepted | rejected | expired
                     ↘ failed (with a reason; retryable)

A quote is a frozen snapshot: what was asked (configuration, schedule, currency), and
once priced, the prices, index values, rates and rule-pack versions used. A re-quote is
a new version under the same number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from configurator import services as config_services
from configurator.catalog import part_snapshots_by_sku, pinned_view, restricted_entities
from configurator.domain import evaluate
from configurator.models import Configuration
from core import clock, outbox
from core.errors import Conflict, Unprocessable, ValidationFailed
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT
from core.selectors import (
    approval_limits_before_own_changes,
    commercial_terms_get,
    commercial_terms_snapshot,
)
from orders.document_context import build_context, pricing_json
from orders.documents import render_quote_pdf
from orders.domain import order_states, quote_states
from orders.domain.pricing import CURRENCY_MINOR_UNITS, PricingError, price
from orders.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    PO_NUMBER_MAX_LENGTH,
    Order,
    OrderDelivery,
    Quote,
    QuoteEvent,
    order_event_kind,
)
from orders.notifications import queue_webhooks
from orders.selectors import (
    index_units,
    pricing_input,
    quote_by_idempotency_key,
    quote_locked,
    quote_terms_summary,
)
from parts.selectors import catalog_stamp
from parts.services import capacity_book, capacity_release

logger = logging.getLogger(__name__)

S = Quote.Status
OPEN_STATUSES = quote_states.IN_PROGRESS


@dataclass(frozen=True)
class QuoteRequest:
    configuration_id: int
    currency: str | None = None  # None: the organization's default quote currency
    schedule: list[tuple[int, int]] | None = None  # None: the configuration's schedule
    annual_price_down_pct: Decimal | None = None  # None: the price-down agreed with the organization
    idempotency_key: str = ""

    def fingerprint(self) -> str:
        """What makes two requests "the same body" for an Idempotency-Key (as given, not defaulted)."""
        body = {
            "configuration": self.configuration_id, "currency": self.currency,
            "schedule": None if self.schedule is None else sorted([y, k] for y, k in self.schedule),
            "annual_price_down_pct": (None if self.annual_price_down_pct is None
                                      else f"{Decimal(self.annual_price_down_pct):.2f}"),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def approval_reasons(*, terms: dict, annual_price_down_pct: Decimal,
                     manual_discount_pct: Decimal) -> list[str]:
    """The terms of a quote that go below the organization's agreement (sales must approve them)."""
    return list(_reasons_by_term(terms=terms, annual_price_down_pct=annual_price_down_pct,
                                 manual_discount_pct=manual_discount_pct).values())


def _reasons_by_term(*, terms: dict, annual_price_down_pct: Decimal,
                     manual_discount_pct: Decimal) -> dict[str, str]:
    """approval_reasons, keyed by the Quote field each is about."""
    reasons = {}
    agreed = Decimal(terms["agreed_price_down_pct"])
    if annual_price_down_pct > agreed:
        reasons["annual_price_down_pct"] = (f"annual price-down {annual_price_down_pct:.2f} % is above "
                                            f"the agreed {agreed:.2f} %")
    threshold = Decimal(terms["discount_approval_threshold_pct"])
    if manual_discount_pct > threshold:
        reasons["manual_discount_pct"] = (f"manual discount {manual_discount_pct:.2f} % is above the "
                                          f"{threshold:.2f} % approval threshold")
    return reasons


def _check_price_down(value: Decimal) -> None:
    if not (Decimal(0) <= value <= MAX_ANNUAL_PRICE_DOWN_PCT):
        raise ValidationFailed(
            f"annual_price_down_pct: must be between 0 and {MAX_ANNUAL_PRICE_DOWN_PCT} %",
            fields={"annual_price_down_pct": [
                f"must be between 0 and {MAX_ANNUAL_PRICE_DOWN_PCT} % (more is not offered)"]},
        )


def _check_idempotency_key(key: str) -> None:
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key: at most {IDEMPOTENCY_KEY_MAX_LENGTH} printable characters",
            fields={"Idempotency-Key": [
                f"at most {IDEMPOTENCY_KEY_MAX_LENGTH} printable characters; a longer key is "
                "refused, not shortened"]},
        )


def _same_request(existing: Quote, fingerprint: str) -> Quote:
    if existing.idempotency_fingerprint and existing.idempotency_fingerprint != fingerprint:
        raise Conflict(
            "this Idempotency-Key was already used with a different request body; "
            "use a new key for a new request",
            code="idempotency_key_reused", fields={"Idempotency-Key": ["already used"]},
        )
    return existing


def _event(quote: Quote, kind: str, actor: str = "", detail: str = "") -> None:
    QuoteEvent.objects.create(quote=quote, at=clock.now(), kind=kind, actor=actor, detail=detail)


def _actor(user) -> str:
    return user.get_username() if getattr(user, "pk", None) else str(user or "system")


def _assign_number(quote: Quote) -> None:
    quote.number = f"Q-{clock.today().year}-{quote.pk:06d}"
    quote.save(update_fields=["number"])


def _snapshot_of(saved: config_services.SavedInput, schedule: list[tuple[int, int]]) -> dict:
    data = saved.data
    return {
        "configuration_id": saved.pk,
        "configuration_name": saved.name,
        "template": data.template,
        "template_name": saved.template_name,
        "sourcing_policy": data.sourcing_policy,
        "requirements": {k: str(v) for k, v in data.requirements.items()},
        "lines": [{"slot": ln.slot, "sku": ln.sku, "quantity": ln.quantity} for ln in data.lines],
        "schedule": [{"year": y, "kits": k} for y, k in schedule],
    }


def quote_request(*, organization, user=None, request: QuoteRequest) -> tuple[Quote, bool]:
    """Create the quote and its generation task (dispatched after commit). Returns (quote, created).

    The same Idempotency-Key with the same body returns the quote it first created; with
    another body it is refused (409 idempotency_key_reused). Keys live as long as their quote.
    Currency and price-down default to the organization's commercial terms; terms below the
    agreement make the quote wait for a sales rep's approval. A configuration with errors is
    refused with its violations (422).
    """
    fingerprint = request.fingerprint()
    if request.idempotency_key:
        _check_idempotency_key(request.idempotency_key)
        existing = quote_by_idempotency_key(organization=organization, key=request.idempotency_key)
        if existing:
            return _same_request(existing, fingerprint), False
    terms = commercial_terms_snapshot(commercial_terms_get(organization=organization))
    currency = request.currency or terms["default_currency"]
    price_down = (Decimal(terms["agreed_price_down_pct"]) if request.annual_price_down_pct is None
                  else Decimal(request.annual_price_down_pct))
    _check_price_down(price_down)
    if currency not in CURRENCY_MINOR_UNITS:
        raise ValidationFailed(f"currency: {currency!r} is not supported",
                               fields={"currency": [f"one of {', '.join(CURRENCY_MINOR_UNITS)}"]})
    saved = config_services.configuration_input_get(organization=organization, pk=request.configuration_id)
    if saved is None:
        raise ValidationFailed("configuration: no such configuration",
                               fields={"configuration": ["no such configuration"]})
    schedule = list(request.schedule if request.schedule is not None else saved.data.schedule)
    if not schedule or not any(kits for _, kits in schedule):
        raise ValidationFailed("schedule: a quote needs at least one year with kits",
                               fields={"schedule": ["at least one year with kits"]})
    data = replace(saved.data, schedule=schedule)
    validation = evaluate(config_services.configuration_resolve(
        data, organization=saved.organization_id, kept_policy=data.sourcing_policy).snapshot)
    if not validation.valid:
        raise Unprocessable(
            f"the configuration has errors ({_errors_text(validation.errors)}); fix them before "
            "requesting a quote",
            code="configuration_invalid", extra={"validation": validation.to_dict()},
        )
    reasons = approval_reasons(terms=terms, annual_price_down_pct=price_down,
                               manual_discount_pct=Decimal(0))
    try:
        with transaction.atomic():
            quote = Quote(
                organization=organization, configuration_id=saved.pk,
                requested_by=user if getattr(user, "pk", None) else None,
                currency=currency, annual_price_down_pct=price_down,
                approval_required=bool(reasons), approval_reason="; ".join(reasons),
                snapshot={**_snapshot_of(saved, schedule), "terms": terms},
                idempotency_key=request.idempotency_key, idempotency_fingerprint=fingerprint,
                number="pending",
            )
            # The number is made of the id: the history's first record is the numbered
            # quote, not a "pending" one before it.
            quote.skip_history_when_saving = True
            quote.save(force_insert=True)
            del quote.skip_history_when_saving
            _assign_number(quote)
            _event(quote, "requested", _actor(user),
                   f"needs approval: {'; '.join(reasons)}" if reasons else "")
            # Whether the task reached the broker, known once the request commits: the
            # answer says "deferred" from it rather than looking the message up again.
            quote.generation_message = outbox.enqueue("orders.generate_quote", quote_id=quote.pk)
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race.
        existing = quote_by_idempotency_key(organization=organization, key=request.idempotency_key)
        if existing is None:
            raise
        return _same_request(existing, fingerprint), False
    return quote, True


class QuoteFailure(Exception):
    """The quote cannot be produced from its inputs (not a transient fault): mark it failed."""


def _quote_kit(quote: Quote) -> config_services.Resolved:
    """The kit a quote was requested for, resolved again against the catalog (ValidationFailed
    when a reference no longer resolves)."""
    snap = quote.snapshot
    data = config_services.ConfigurationInput(
        template=snap["template"], name=snap["configuration_name"],
        sourcing_policy=snap["sourcing_policy"], requirements=snap["requirements"],
        schedule=[(s["year"], s["kits"]) for s in snap["schedule"]],
        lines=[config_services.LineInput(**ln) for ln in snap["lines"]],
    )
    return config_services.configuration_resolve(data, organization=quote.organization_id,
                                                 kept_policy=data.sourcing_policy)


def _errors_text(errors) -> str:
    codes = ", ".join(sorted({v.code for v in errors})) or "incomplete"
    return codes + "".join(f"; {v.message}" for v in errors[:3])


def _validate_for_pricing(quote: Quote):
    try:
        resolved = _quote_kit(quote)
    except ValidationFailed as exc:
        raise QuoteFailure(f"the configuration no longer resolves: {exc.message}") from exc
    validation = evaluate(resolved.snapshot)
    if not validation.valid:
        raise QuoteFailure(f"the configuration is no longer valid ({_errors_text(validation.errors)}): "
                           "the catalog changed since the request.")
    return resolved.snapshot, validation


#: Reads of the catalog a pricing makes before it gives up for a while (the task retries).
CONSISTENT_READ_ATTEMPTS = 3


class CatalogMoving(Exception):
    """The catalog changed between the kit's verdict and the reads of what is priced, every
    time: transient (a long run of catalog edits), so the task tries again later."""


def quote_generate(*, quote_id: int) -> Quote:
    """Re-validate, price, render and store a quote. Idempotent: a second run changes nothing."""
    with transaction.atomic():
        quote = quote_locked(quote_id)
        if quote.status not in OPEN_STATUSES:
            return quote
        quote.status = S.PRICING
        quote.attempts += 1
        quote.pricing_started_at = quote.step_started_at = quote.updated_at = clock.now()
        quote.progress_step = Quote.Step.PRICING
        # The worker's bookkeeping, not a change anyone makes: no history record (it copied
        # the whole quote, about a tenth of the worker's time per quote). The outcome's
        # record, ready or failed, carries the attempt count and when pricing started.
        started = ["status", "attempts", "pricing_started_at", "progress_step", "step_started_at",
                   "updated_at"]
        Quote.objects.filter(pk=quote.pk).update(**{field: getattr(quote, field) for field in started})

    try:
        for attempt in range(1, CONSISTENT_READ_ATTEMPTS + 1):
            # The verdict and the rows priced and frozen must be one catalog's: judged with
            # the view of one stamp, the rows read after it, and the stamp unmoved by then.
            # A change committed in between gave a "compliant" quote freezing the new data.
            with pinned_view() as view:
                snapshot, validation = _validate_for_pricing(quote)
            pricing_date = clock.today()
            stamp = view.version  # keys the reads (orders.selectors._CatalogReads)
            inp, parts = pricing_input(
                lines=quote.snapshot["lines"], schedule=quote.snapshot["schedule"],
                currency=quote.currency, annual_price_down_pct=quote.annual_price_down_pct,
                manual_discount_pct=quote.manual_discount_pct, pricing_date=pricing_date, stamp=stamp,
            )
            if catalog_stamp() == stamp:
                break
            if attempt == CONSISTENT_READ_ATTEMPTS:
                raise CatalogMoving(f"the catalog changed during each of {attempt} pricing reads")
        try:
            result = price(inp)
        except PricingError as exc:
            raise QuoteFailure(f"pricing failed at {exc.field}: {exc.message}") from exc
    except QuoteFailure as exc:
        return quote_fail(quote_id=quote_id, reason=str(exc))

    frozen = pricing_json(result, parts, snapshot, validation,
                          index_units({v.index for v in result.index_values_used}, stamp=stamp))
    valid_until = pricing_date + dt.timedelta(days=settings.COREKIT_QUOTE_VALIDITY_DAYS)
    if settings.COREKIT_QUOTE_RENDER_PDF:
        _step(quote_id, Quote.Step.RENDERING)
    pdf = (render_quote_pdf(build_context(quote, frozen, pricing_date, valid_until))
           if settings.COREKIT_QUOTE_RENDER_PDF else None)

    with transaction.atomic():
        quote = quote_locked(quote_id)
        if quote.status != S.PRICING:
            return quote  # another run finished first
        quote.pricing = frozen
        quote.validation = validation.to_dict()
        quote.total = result.total
        quote.pricing_date = pricing_date
        quote.valid_until = valid_until
        quote.status = S.READY
        quote.ready_at = clock.now()
        quote.failure_reason = ""
        changed = ["pricing", "validation", "total", "pricing_date", "valid_until", "status",
                   "ready_at", "failure_reason", "updated_at"]
        if pdf is not None:
            quote.document.save(f"{quote.number}-v{quote.version}.pdf", ContentFile(pdf), save=False)
            changed.append("document")
        quote.save(update_fields=changed)
        _event(quote, "ready", "worker", f"total {result.total} {quote.currency}")
        _notify(quote, "quote.ready")
    return quote


def _step(quote_id: int, step: str) -> None:
    """Record the worker's step for the buyer's progress panel (only while still pricing)."""
    Quote.objects.filter(pk=quote_id, status=S.PRICING).update(
        progress_step=step, step_started_at=clock.now())


def quote_fail(*, quote_id: int, reason: str) -> Quote:
    with transaction.atomic():
        quote = quote_locked(quote_id)
        if quote.status not in OPEN_STATUSES:
            return quote
        quote.status = S.FAILED
        quote.failure_reason = reason[:2000]
        quote.save(update_fields=["status", "failure_reason", "updated_at"])
        _event(quote, "failed", "worker", reason)
        _notify(quote, "quote.failed")
    return quote


def _notify(quote: Quote, event: str) -> None:
    """E-mail the requester and queue webhooks, in the same transaction as the change.

    Each is sent once per occurrence: a quote is ready once, but it may fail again after a
    retry, with another reason, and that failure is news too (it was folded into the first)."""
    attempt = {"attempt": quote.attempts} if event == "quote.failed" else {}
    if quote.requested_by_id:
        outbox.enqueue("orders.send_quote_email", quote_id=quote.pk, event=event, **attempt)
    occurrence = f":{quote.attempts}" if attempt else ""
    queue_webhooks(organization=quote.organization_id, event=event,
                   event_id=f"{event}:{quote.pk}{occurrence}", payload=quote_payload(quote))


def quote_payload(quote: Quote) -> dict:
    hidden = quote.total is None or quote.approval_pending  # no final price before approval
    return {
        "id": quote.pk, "number": quote.number, "version": quote.version,
        "status": quote.status, "currency": quote.currency,
        "approval": approval_state(quote),
        "total": None if hidden else str(quote.total),
        "failure_reason": quote.failure_reason,
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
    }


def approval_state(quote: Quote) -> str:
    """'not_needed', 'pending' (the buyer sees "awaiting approval", no final price) or 'approved'."""
    if not quote.approval_required:
        return "not_needed"
    return "pending" if quote.approved_at is None else "approved"


def quote_retry(*, quote: Quote, user=None) -> Quote:
    """A failed quote goes back to the queue (the failure reason is kept in the history)."""
    with transaction.atomic():
        quote = quote_locked(quote.pk)
        if not quote_states.is_retryable(status=quote.status):
            raise Conflict(f"only a failed quote can be retried (this one is {quote.status})")
        quote.status = S.QUEUED
        quote.progress_step, quote.step_started_at = Quote.Step.QUEUED, clock.now()
        quote.save(update_fields=["status", "progress_step", "step_started_at", "updated_at"])
        _event(quote, "retried", _actor(user))
        outbox.enqueue("orders.generate_quote", quote_id=quote.pk)
    return quote


def quote_expire_due() -> int:
    """Expire every offered quote past its validity; how many. Each is locked and judged
    again first: one accepted (or rejected) since the list was read is left as it is, and
    an expiry is saved like any other change, with its history record."""
    today = clock.today()
    due = Quote.objects.filter(status__in=quote_states.OFFERED, valid_until__lt=today)
    count = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            quote = quote_locked(pk)
            if quote.status not in quote_states.OFFERED or not quote_states.lapsed(
                    valid_until=quote.valid_until, today=today):
                continue
            quote.status = S.EXPIRED
            quote.decided_at = clock.now()
            quote._change_reason = f"validity ended {quote.valid_until.isoformat()}"
            quote.save(update_fields=["status", "decided_at", "updated_at"])
            _event(quote, "expired", "beat")
            count += 1
    return count


# --- sales-rep review ----------------------------------------------------------------

def _check_still_valid(quote: Quote, doing: str) -> None:
    """A quote past its validity is not offered any more, whether or not the hourly expiry
    has marked it yet: it is re-priced as a new version instead."""
    if quote_states.lapsed(valid_until=quote.valid_until, today=clock.today()):
        raise Conflict(f"this quote expired on {quote.valid_until.isoformat()}: it cannot be {doing}; "
                       "re-price it as a new version", code="quote_expired")


def quote_approve(*, quote: Quote, user) -> Quote:
    with transaction.atomic():
        quote = quote_locked(quote.pk)
        if not quote_states.is_approvable(status=quote.status, approval_required=quote.approval_required):
            raise Conflict("nothing to approve on this quote")
        _check_still_valid(quote, "approved")
        if getattr(user, "pk", None) in {quote.discount_set_by_id, quote.price_down_set_by_id} - {None}:
            raise Conflict(f"you set the terms of {quote.number} v{quote.version} ({quote.approval_reason}): "
                           "another sales rep approves them", code="approval_needs_another_rep")
        quote.approved_by = user
        quote.approved_at = clock.now()
        quote.save(update_fields=["approved_by", "approved_at", "updated_at"])
        _event(quote, "approved", _actor(user), quote.approval_reason)
        # The stored PDF was issued as a draft; issue it again, approved (in a worker).
        outbox.enqueue("orders.render_quote_document", quote_id=quote.pk)
        if quote.requested_by_id:
            outbox.enqueue("orders.send_quote_email", quote_id=quote.pk, event="quote.approved")
    return quote


def _document_state(quote: Quote) -> tuple:
    """What the quote document prints that can change after pricing."""
    return quote.status, quote.approved_at, quote.valid_until


def quote_document_render(*, quote_id: int) -> Quote:
    """Re-issue the PDF of a priced quote from its frozen pricing (after an approval, a
    supersession, ...). The PDF is rendered outside the lock and stored only if the quote
    still is what it printed; otherwise it is rendered again from the quote as it is now
    (an approval's render finishing after a re-quote's stored "ready" over "superseded")."""
    for _ in range(3):
        quote = Quote.objects.select_related("organization", "requested_by").get(pk=quote_id)
        if not quote.pricing or not settings.COREKIT_QUOTE_RENDER_PDF:
            return quote
        printed = _document_state(quote)
        pdf = render_quote_pdf(build_context(quote, quote.pricing, quote.pricing_date, quote.valid_until))
        with transaction.atomic():
            locked = quote_locked(quote_id)
            if _document_state(locked) != printed:
                continue  # the quote moved on while this one rendered: render it as it is now
            locked.document.save(f"{locked.number}-v{locked.version}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["document", "updated_at"])
            return locked
    return locked


def quote_send(*, quote: Quote, user) -> Quote:
    with transaction.atomic():
        quote = quote_locked(quote.pk)
        if not quote_states.is_sendable(status=quote.status):
            raise Conflict(f"only a ready quote can be sent (this one is {quote.status})")
        _check_still_valid(quote, "sent")
        if quote.approval_pending:
            raise Conflict(
                f"needs a sales rep's approval before sending ({quote.approval_reason})",
                code="approval_required",
            )
        quote.status = S.SENT
        quote.sent_at = clock.now()
        quote.save(update_fields=["status", "sent_at", "updated_at"])
        _event(quote, "sent", _actor(user))
    return quote


def quote_reject(*, quote: Quote, user, reason: str = "") -> Quote:
    with transaction.atomic():
        quote = quote_locked(quote.pk)
        if not quote_states.is_rejectable(status=quote.status):
            raise Conflict(f"only a ready or sent quote can be rejected (this one is {quote.status})")
        quote.status = S.REJECTED
        quote.decided_at = clock.now()
        quote.save(update_fields=["status", "decided_at", "updated_at"])
        _event(quote, "rejected", _actor(user), reason)
    return quote


# The terms a re-quote may set below the agreement: the Quote field, and the one naming the
# rep who set it.
_TERM_SETTERS = {"annual_price_down_pct": "price_down_set_by", "manual_discount_pct": "discount_set_by"}


def _term_setters(quote: Quote, user, values: dict[str, Decimal], reasons: dict[str, str]) -> dict:
    """Four eyes, term by term: who set each term of the new version that needs approval.

    A term the re-quote changes is the re-quoting rep's; a term it keeps stays with whoever
    set it (a buyer's price-down: nobody here; another rep's discount: that rep). Each term is
    judged too against the agreement's limits as they stood before its setter's own changes
    to them (a rep who raised the threshold cannot use the raise alone, in this version or a
    later one). Reasons found that way are added to `reasons`; a term needing no approval
    has no setter."""
    setters: dict = {}
    for field, setter_field in _TERM_SETTERS.items():
        changed = values[field] != getattr(quote, field)
        setter = (user if getattr(user, "pk", None) else None) if changed else getattr(quote, setter_field)
        if setter is not None and field not in reasons:
            limits = approval_limits_before_own_changes(organization=quote.organization, user=setter)
            strict = _reasons_by_term(terms={name: str(value) for name, value in limits.items()},
                                      **{f: (values[f] if f == field else Decimal(0)) for f in _TERM_SETTERS})
            if field in strict:
                reasons[field] = f"{strict[field]} (as it stood before {setter.get_username()} raised it)"
        setters[setter_field] = setter if field in reasons else None
    return setters


def quote_requote(*, quote: Quote, user=None, manual_discount_pct: Decimal | None = None,
                  annual_price_down_pct: Decimal | None = None) -> Quote:
    """A new version of the same quote number, priced afresh from the same request."""
    discount = quote.manual_discount_pct if manual_discount_pct is None else manual_discount_pct
    if not (Decimal(0) <= discount < Decimal(100)):
        raise ValidationFailed("manual_discount_pct: must be at least 0 and below 100",
                               fields={"manual_discount_pct": ["0 ≤ discount < 100"]})
    price_down = quote.annual_price_down_pct if annual_price_down_pct is None else annual_price_down_pct
    _check_price_down(price_down)
    # A new version is judged against the agreement in force now.
    terms = commercial_terms_snapshot(commercial_terms_get(organization=quote.organization))
    values = {"annual_price_down_pct": price_down, "manual_discount_pct": discount}
    by_term = _reasons_by_term(terms=terms, **values)
    setters = _term_setters(quote, user, values, by_term)
    reasons = list(by_term.values())
    with transaction.atomic():
        # Every version of the number, locked in version order: an acceptance (which locks
        # its version) either ends before this reads them, or waits and then finds its
        # version superseded.
        every_version = Quote.objects.select_for_update().filter(number=quote.number).order_by("version")
        list(every_version)  # waits for, then holds, every version's lock
        # Read again now that they are ours: a re-quote that held them while this one waited
        # has committed a version the first read could not see (its number + 1 was taken
        # twice: an IntegrityError, a 500). No other can be added meanwhile (a re-quote locks
        # the first version first).
        versions = list(every_version.all())
        accepted = next((v for v in versions if v.status == S.ACCEPTED), None)
        if accepted is not None:
            raise Conflict(f"{quote.number} v{accepted.version} was accepted: its order stands, and a "
                           "new price is a new quote request", code="quote_accepted")
        latest = versions[-1]
        new = Quote.objects.create(
            organization=quote.organization, number=quote.number, version=latest.version + 1,
            configuration=quote.configuration, requested_by=quote.requested_by,
            currency=quote.currency, annual_price_down_pct=price_down,
            manual_discount_pct=discount,
            approval_required=bool(reasons), approval_reason="; ".join(reasons),
            **setters,
            snapshot={**quote.snapshot, "terms": terms},
        )
        _event(new, "requested", _actor(user), f"re-quote of v{quote.version}"
               + (f"; needs approval: {'; '.join(reasons)}" if reasons else ""))
        # Every open version ends here, not only the offered ones: a version still queued,
        # pricing or failed would otherwise become a second offer beside the new one (its
        # worker, or a retry, finds it superseded and leaves it).
        for older in versions:
            if older.status not in quote_states.OPEN:
                continue
            offered = older.status in quote_states.OFFERED
            older.status = S.SUPERSEDED
            older.decided_at = clock.now()
            older.save(update_fields=["status", "decided_at", "updated_at"])
            _event(older, "superseded", _actor(user), f"by v{new.version}")
            if offered:
                # Its document is issued again, labelled superseded, so a copy that circulates says so.
                outbox.enqueue("orders.render_quote_document", quote_id=older.pk)
        outbox.enqueue("orders.generate_quote", quote_id=new.pk)
    return new


# --- acceptance: exactly one order ----------------------------------------------------

def _check_order_input(po_number: str, terms_accepted: bool) -> str:
    po_number = (po_number or "").strip()
    errors = {}
    if not po_number:
        errors["po_number"] = ["your purchase-order number is required to place the order"]
    elif len(po_number) > PO_NUMBER_MAX_LENGTH or not po_number.isprintable():
        errors["po_number"] = [f"at most {PO_NUMBER_MAX_LENGTH} printable characters"]
    if terms_accepted is not True:
        errors["terms_accepted"] = ["confirm the quote's terms to place the order"]
    if errors:
        raise ValidationFailed("placing an order needs " + " and ".join(errors), fields=errors)
    return po_number


_KIT_KEYS = frozenset({"template", "sourcing_policy", "requirements", "lines"})


def _kit_of(snapshot: dict) -> tuple:
    """What a quote prices of its configuration: the kit, not its name or schedule (a quote
    request may bring a schedule of its own)."""
    return (snapshot["template"], snapshot["sourcing_policy"], sorted(snapshot["requirements"].items()),
            sorted((ln["slot"], ln["sku"], -1 if ln["quantity"] is None else ln["quantity"])
                   for ln in snapshot["lines"]))


def _check_kit_unchanged(quote: Quote) -> None:
    """The order freezes the quoted kit and locks its configuration as ordered: refused when
    the configuration no longer holds that kit (it would be locked showing other parts than
    the order's). Its row is locked first, so no edit lands between this check and the order."""
    if not quote.snapshot.keys() >= _KIT_KEYS:
        return  # a snapshot from before quotes recorded the whole kit: nothing to compare
    Configuration.objects.select_for_update().filter(pk=quote.configuration_id).first()
    current = config_services.configuration_input_get(organization=quote.organization_id,
                                                      pk=quote.configuration_id)
    if current is None or _kit_of(_snapshot_of(current, [])) != _kit_of(quote.snapshot):
        raise Conflict(
            f"the kit has changed since this quote was requested: {quote.number} prices "
            f"{quote.snapshot.get('configuration_name') or 'the configuration'} as it was then. "
            "Request a new quote for the kit as it is now (or put it back as quoted).",
            code="configuration_changed")


# Judged by capacity_book under its locks, with its own answer (409 capacity_exhausted).
_BOOKED_UNDER_LOCK = frozenset({"CAPACITY"})


def _check_still_orderable(quote: Quote) -> None:
    """The quoted kit can still be built, sourced and delivered: judged again by the catalog
    as it is now, read from the kit's own rows (locked by the booking: no process's view, old
    or new, decides), on the quote's pricing date (the days passing within its validity
    change nothing; the price stays the quote's). An order was placed for a part
    discontinued since, or one whose supplier was marked restricted (UFLPA), while the same
    kit could no longer be quoted."""
    def refused(why: str) -> Conflict:
        return Conflict(f"this quote can no longer be accepted: {why}. Request a new quote for "
                        "the kit as it can be supplied now.", code="kit_no_longer_valid")

    try:
        resolved = _quote_kit(quote)
    except ValidationFailed as exc:
        raise refused(f"the configuration no longer resolves ({exc.message})") from None
    lines = resolved.snapshot.lines
    current = part_snapshots_by_sku([ln.part.sku for ln in lines])
    gone = sorted({ln.part.sku for ln in lines} - set(current))
    if gone:
        raise refused(f"{', '.join(gone)} no longer in the catalog")
    judged = replace(resolved.snapshot, today=quote.pricing_date or clock.today(),
                     lines=tuple(replace(ln, part=current[ln.part.sku]) for ln in lines),
                     restricted_entities=restricted_entities())
    errors = [v for v in evaluate(judged).errors if v.code not in _BOOKED_UNDER_LOCK]
    if errors:
        raise refused(f"the kit is no longer valid ({_errors_text(errors)}): the catalog changed "
                      "since the quote was priced")


def quote_accept(*, quote: Quote, user=None, po_number: str = "",
                 terms_accepted: bool = False) -> tuple[Order, bool]:
    """Accept a sent quote (or a ready one needing no approval) into exactly one order.

    Placing an order is deliberate: the buyer's purchase-order number and its confirmation
    of the quote's terms are required and recorded on the order. The quote row is locked
    (PostgreSQL) and Order.quote is unique, so however many concurrent calls arrive, one
    creates the order and the others return it.
    """
    po_number = _check_order_input(po_number, terms_accepted)
    try:
        with transaction.atomic():
            locked = quote_locked(quote.pk)
            existing = Order.objects.filter(quote=locked).first()
            if existing is not None:
                return existing, False
            refusal = quote_states.acceptance_refusal(
                status=locked.status, approval_pending=locked.approval_pending,
                valid_until=locked.valid_until, today=clock.today())
            if refusal is not None:
                code, why = refusal
                messages = {
                    "approval_pending": f"this quote is awaiting a sales rep's approval "
                                        f"({locked.approval_reason}); it can be accepted once approved",
                    "quote_expired": "this quote has expired",
                }
                raise Conflict(messages.get(code, f"this quote cannot be accepted ({why})"), code=code)
            number = f"O-{locked.number[2:]}"
            # Capacity is shared by every buyer: book this order's units under a lock on the
            # parts, or refuse (409 capacity_exhausted). The parts are locked before the
            # configuration, the order every catalog writer takes them in: an import locks
            # the parts, then re-checks saved configurations in its own transaction (the
            # other way round, the two deadlocked and the buyer got a 500).
            booked = capacity_book(units=order_capacity_units(locked.pricing), reference=number)
            _recheck_kits_sharing([b.part_id for b in booked], f"capacity booked by order {number}")
            _check_kit_unchanged(locked)
            _check_still_orderable(locked)
            order = Order.objects.create(
                organization=locked.organization, quote=locked, number=number,
                currency=locked.currency, total=locked.total, accepted_by=_actor(user),
                po_number=po_number, terms_accepted_at=clock.now(),
                accepted_terms=quote_terms_summary(locked),
            )
            OrderDelivery.objects.bulk_create([
                OrderDelivery(order=order, year=y["year"], kits=y["kits"], amount=Decimal(y["amount"]),
                              first_delivery=dt.date(y["year"], 1, 1))
                for y in locked.pricing["years"] if y["kits"]
            ])
            locked.status = S.ACCEPTED
            locked.decided_at = clock.now()
            locked.save(update_fields=["status", "decided_at", "updated_at"])
            _event(locked, "accepted", _actor(user), f"order {order.number}, PO {po_number}")
            queue_webhooks(organization=locked.organization, event="order.created",
                           event_id=f"order.created:{order.pk}", payload=order_payload(order))
            return order, True
    except IntegrityError:
        order = Order.objects.filter(quote_id=quote.pk).first()
        if order is None:
            raise
        return order, False


def _recheck_kits_sharing(part_ids: list[int], reason: str) -> None:
    """Other buyers' saved kits using these parts are judged again (by a worker, after
    commit): their stored verdict counted the capacity as it was. A kit another order's
    booking had made impossible still said "valid" in its builder, while its quote request
    was refused."""
    if part_ids:
        outbox.enqueue("configurator.revalidate_after_change", part_ids=sorted(set(part_ids)),
                       reason=reason)


def order_status_change(*, order: Order, status: str, user=None, reason: str = "") -> Order:
    """Move an order along confirmed → in delivery → completed, or cancel it (from either of
    the first two; a reason is required). A cancellation gives back the capacity it had
    booked for the years it will not deliver, so other buyers' quotes can have it. Recorded
    on its quote's trail: who, when, why, and the units released."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not order_states.may_change(status=locked.status, to=status):
            raise Conflict(f"order {locked.number} is {locked.get_status_display().lower()}: it cannot be "
                           f"marked {order_event_kind(status).removeprefix('order ')}", code="order_status")
        detail = reason
        if status == order_states.CANCELLED:
            if not reason:
                raise ValidationFailed("reason: say why the order is cancelled",
                                       fields={"reason": ["required to cancel an order"]})
            years = order_states.released_years(
                status=locked.status, years=list(locked.deliveries.values_list("year", flat=True)),
                current_year=clock.today().year)
            released = capacity_release(reference=locked.number, years=years)
            _recheck_kits_sharing(released.part_ids, f"capacity released by cancelled order {locked.number}")
            detail = (f"{reason}; capacity released: {released.units:,} units for "
                      f"{', '.join(map(str, years)) or 'no year'}")
        previous = locked.status
        locked.status, locked.status_changed_at = status, clock.now()
        locked.status_reason = reason if status == order_states.CANCELLED else ""
        locked.save(update_fields=["status", "status_changed_at", "status_reason"])
        _event(locked.quote, order_event_kind(status), _actor(user), detail[:2000])
        # The buyer learns of it as of the order itself: its partner system, its requester.
        queue_webhooks(organization=locked.organization, event="order.status_changed",
                       event_id=f"order.status_changed:{locked.pk}:{status}",
                       payload=order_payload(locked) | {"previous_status": previous})
        outbox.enqueue("orders.send_quote_email", quote_id=locked.quote_id, event=f"order.{status}")
    return locked


def order_capacity_units(pricing: dict) -> dict[tuple[str, int], int]:
    """(sku, year) -> units a priced quote delivers, from its frozen per-part lines."""
    units: dict[tuple[str, int], int] = {}
    for year in pricing.get("years", []):
        for line in year.get("parts", []):
            key = (line["sku"], year["year"])
            units[key] = units.get(key, 0) + int(line["units"])
    return units


def order_payload(order: Order) -> dict:
    return {
        "id": order.pk, "number": order.number, "quote": order.quote_id, "status": order.status,
        "po_number": order.po_number, "currency": order.currency, "total": str(order.total),
        "status_changed_at": order.status_changed_at.isoformat() if order.status_changed_at else None,
        "status_reason": order.status_reason,
        "deliveries": [{"year": d.year, "kits": d.kits, "amount": str(d.amount)}
                       for d in order.deliveries.all()],
    }

