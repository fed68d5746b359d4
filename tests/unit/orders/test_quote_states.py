"""The quote state machine (orders.domain.quote_states): what each state allows."""

import datetime as dt

import pytest

from orders.domain import quote_states as qs

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("status", sorted(qs.OFFERED))
def test_an_offered_quote_within_its_validity_can_be_accepted(status):
    assert qs.is_acceptable(status=status, approval_pending=False, valid_until=TODAY, today=TODAY)
    assert qs.is_rejectable(status=status)


@pytest.mark.parametrize("status", [qs.QUEUED, qs.PRICING, qs.ACCEPTED, qs.REJECTED, qs.EXPIRED,
                                    qs.SUPERSEDED, qs.FAILED])
def test_no_other_state_can_be_accepted_or_rejected(status):
    refusal = qs.acceptance_refusal(status=status, approval_pending=False, valid_until=None, today=TODAY)
    assert refusal == ("quote_not_acceptable", f"it is {status.replace('_', ' ')}")
    assert not qs.is_rejectable(status=status)


def test_terms_awaiting_approval_are_a_draft_that_cannot_be_accepted():
    assert qs.awaiting_approval(status=qs.SENT, approval_pending=True)
    assert not qs.awaiting_approval(status=qs.ACCEPTED, approval_pending=True)
    refusal = qs.acceptance_refusal(status=qs.READY, approval_pending=True, valid_until=None, today=TODAY)
    assert refusal[0] == "approval_pending"


def test_a_quote_past_its_validity_cannot_be_accepted_even_before_beat_expires_it():
    refusal = qs.acceptance_refusal(status=qs.READY, approval_pending=False,
                                    valid_until=TODAY - dt.timedelta(days=1), today=TODAY)
    assert refusal == ("quote_expired", "it expired on 2026-11-25")


ALL_STATES = [qs.QUEUED, qs.PRICING, qs.READY, qs.SENT, qs.ACCEPTED, qs.REJECTED, qs.EXPIRED,
              qs.SUPERSEDED, qs.FAILED]


def test_every_state_is_a_quote_status_and_the_named_sets_use_only_them():
    from orders.models import Quote

    assert sorted(ALL_STATES) == sorted(Quote.Status.values)
    for named in (qs.IN_PROGRESS, qs.OFFERED, qs.BINDING, qs.OPEN, qs.CLOSED_WITHOUT_ORDER,
                  qs.APPROVAL_QUEUE, qs.PRINTED_AS_IS):
        assert set(named) <= set(ALL_STATES)


def test_open_lists_every_state_that_still_needs_someone_in_lifecycle_order():
    assert qs.OPEN == (qs.QUEUED, qs.PRICING, qs.READY, qs.SENT, qs.FAILED)
    # Every state is either open, accepted, or ended without an order.
    assert set(qs.OPEN) | {qs.ACCEPTED} | qs.CLOSED_WITHOUT_ORDER == set(ALL_STATES)
    assert not set(qs.OPEN) & qs.CLOSED_WITHOUT_ORDER


def test_binding_is_an_offer_or_the_order_it_became():
    assert qs.OFFERED | {qs.ACCEPTED} == qs.BINDING
    assert [s for s in ALL_STATES if qs.is_binding(status=s)] == [qs.READY, qs.SENT, qs.ACCEPTED]


def test_a_quote_awaiting_approval_waits_while_priced_or_ready_but_not_once_sent():
    assert qs.IN_PROGRESS | {qs.READY} == qs.APPROVAL_QUEUE
    assert qs.SENT not in qs.APPROVAL_QUEUE


@pytest.mark.parametrize("status", ALL_STATES)
def test_what_a_sales_rep_can_do_in_each_state(status):
    assert qs.is_sendable(status=status) is (status == qs.READY)
    assert qs.is_retryable(status=status) is (status == qs.FAILED)
    assert qs.is_approvable(status=status, approval_required=True) is (status in (qs.READY, qs.SENT))
    assert not qs.is_approvable(status=status, approval_required=False)


@pytest.mark.parametrize(("status", "tone"), [
    (qs.QUEUED, ""), (qs.PRICING, ""), (qs.READY, "ok"), (qs.SENT, "ok"), (qs.ACCEPTED, "ok"),
    (qs.REJECTED, ""), (qs.EXPIRED, ""), (qs.SUPERSEDED, ""), (qs.FAILED, "err"),
])
def test_badge_tone_of_each_state_in_listings(status, tone):
    assert qs.badge_tone(status=status) == tone


@pytest.mark.parametrize("status", ALL_STATES)
def test_the_document_prints_decided_and_sent_states_as_they_are(status):
    assert (status in qs.PRINTED_AS_IS) is (status in (qs.SENT, qs.ACCEPTED, qs.EXPIRED, qs.REJECTED))


class _Quote:
    def __init__(self, status, approval_pending=False):
        self.status, self.approval_pending = status, approval_pending


def test_the_template_filters_ask_the_state_machine():
    from django.template import Context, Template

    tpl = Template("{% load quotes %}{% if q|quote_awaiting_approval %}awaiting{% else %}"
                   "{{ q.status|quote_badge_tone }}|{{ q.status|quote_binding }}|"
                   "{{ q.status|quote_failed }}{% endif %}")
    assert tpl.render(Context({"q": _Quote(qs.READY, approval_pending=True)})) == "awaiting"
    assert tpl.render(Context({"q": _Quote(qs.SENT)})) == "ok|True|False"
    assert tpl.render(Context({"q": _Quote(qs.FAILED)})) == "err|False|True"
    assert tpl.render(Context({"q": _Quote(qs.EXPIRED)})) == "|False|False"
    assert tpl.render(Context({"q": _Quote(qs.ACCEPTED, approval_pending=True)})) == "ok|True|False"
