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
    assert refusal == ("quote_not_acceptable", f"status {status}")
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
