"""Whoever can write to Redis can put any message on the Celery queue. JSON only, so no code
runs, but a message names a task, its arguments and its id: what the workers do with a forged
one must not reach further than the real message would have.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from celery import signature
from django.core import mail

from core import outbox, tasks
from core.models import OutboxMessage
from orders import tasks as order_tasks
from orders.models import Quote, QuoteEvent
from tests.factories import family_configuration, load_demo_catalog, priced_quote
from tests.workers import wait_for

# -- the password reset: the link's site, the sender and the templates are not the message's

def _reset(buyer, **forged):
    return tasks.send_password_reset.run(**{"user_id": buyer.pk, "to_email": buyer.email,
                                            "domain": "testserver", "protocol": "http", **forged})


@pytest.mark.django_db
def test_a_forged_reset_pointing_the_link_at_another_site_sends_nothing(buyer):
    # The token would have gone to evil.example with the victim's click.
    assert _reset(buyer, domain="evil.example", protocol="https") is False
    assert _reset(buyer, domain="testserver.evil.example") is False
    assert _reset(buyer, protocol="javascript") is False
    assert mail.outbox == []
    assert _reset(buyer) is True  # the address the site answers to
    [sent] = mail.outbox
    assert "http://testserver/accounts/reset/" in sent.body


@pytest.mark.django_db
@pytest.mark.parametrize("forged", [
    {"from_email": "it-security@corekit.example"},
    {"subject_template_name": "registration/password_reset_email.html"},
    {"email_template_name": "admin/base.html"},
    {"html_email_template_name": "registration/password_reset_email.html"},
    {"site_name": "Corekit IT security"},
    {"reply_to": "attacker@evil.example"},
])
def test_a_forged_reset_naming_its_own_sender_templates_or_site_name_sends_nothing(buyer, forged):
    assert _reset(buyer, **forged) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_reset_queued_before_the_rule_with_the_fixed_values_is_still_sent(buyer):
    # What the form recorded until now: the same values, spelled out.
    assert _reset(buyer, site_name="testserver", from_email=None,
                  subject_template_name="registration/password_reset_subject.txt",
                  email_template_name="registration/password_reset_email.html",
                  html_email_template_name=None) is True
    assert len(mail.outbox) == 1


# -- the outbox: a worker's report counts for the message whose task it ran

def _ran(task: str, message: OutboxMessage, **kwargs) -> SimpleNamespace:
    """A task as Celery hands it to the signals: its name, and the request it ran."""
    return SimpleNamespace(name=task, request=SimpleNamespace(id=outbox.task_id_for(message.pk),
                                                              kwargs=kwargs))


@pytest.mark.django_db
def test_a_forged_task_naming_another_message_does_not_finish_it(db):
    message = outbox.enqueue("orders.generate_quote", quote_id=4)
    for forged in (_ran("core.ping", message), _ran("orders.generate_quote", message, quote_id=5)):
        outbox.on_task_prerun(sender=forged, task_id=forged.request.id, kwargs=forged.request.kwargs)
        outbox.on_task_success(sender=forged)
        outbox.on_task_failure(sender=forged, task_id=forged.request.id, kwargs=forged.request.kwargs,
                               exception=ValueError("forged"))
    message.refresh_from_db()
    # Still to be done: the relay publishes it again once it is stale.
    assert (message.completed_at, message.progress_at, message.last_error) == (None, None, "")

    real = _ran("orders.generate_quote", message, quote_id=4)
    outbox.on_task_success(sender=real)
    message.refresh_from_db()
    assert message.completed_at is not None


# -- quote e-mails: only what the quote's trail records

@pytest.mark.django_db
def test_forged_quote_mails_announce_nothing_the_quote_trail_does_not_record(buyer):
    load_demo_catalog()
    configuration = family_configuration(buyer.membership.organization, user=buyer)
    # 5 % a year, above the agreement: priced, but no final price until sales approves it.
    quote = priced_quote(configuration, user=buyer, annual_price_down_pct=Decimal("5"))
    assert quote.approval_pending
    send = order_tasks.send_quote_email.run
    assert send(quote_id=quote.pk, event="quote.approved") is False  # would show the price
    assert send(quote_id=quote.pk, event="order.cancelled") is False  # there is no order
    assert send(quote_id=quote.pk, event="quote.failed", attempt=1) is False  # it did not fail
    assert send(quote_id=quote.pk, event="quote.ready", attempt=7) is False  # a new "attempt"
    assert send(quote_id=quote.pk, event="spam-0") is False
    assert mail.outbox == []
    assert not QuoteEvent.objects.filter(quote=quote, kind__startswith="email:").exists()
    # What did happen is announced, once.
    assert send(quote_id=quote.pk, event="quote.ready") is True
    assert send(quote_id=quote.pk, event="quote.ready") is False
    [sent] = mail.outbox
    assert "awaiting approval" in sent.subject and str(quote.total) not in sent.body


@pytest.mark.django_db
def test_a_failure_before_the_first_attempt_is_still_mailed(buyer):
    # The database away for every run: the quote fails before any attempt was counted.
    from orders.services import QuoteRequest, quote_fail, quote_request

    load_demo_catalog()
    configuration = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = quote_request(organization=configuration.organization, user=buyer,
                             request=QuoteRequest(configuration_id=configuration.pk, currency="USD"))
    quote_fail(quote_id=quote.pk, reason="pricing could not complete after 6 attempts: OperationalError")
    [message] = OutboxMessage.objects.filter(task="orders.send_quote_email")
    assert message.kwargs == {"quote_id": quote.pk, "event": "quote.failed", "attempt": 0}
    assert order_tasks.send_quote_email.run(**message.kwargs) is True
    [sent] = mail.outbox
    assert "could not be produced" in sent.subject


# -- Celery's own tasks: not run by the product's workers

@pytest.mark.worker
def test_a_worker_refuses_celery_builtin_tasks(start_worker, redis):
    from config.celery_app import app

    worker = start_worker()
    # One message that would run a registered task many times over.
    app.send_task("celery.starmap", kwargs={"task": signature("core.ping"), "it": [[], [], []]})
    # Behind it on the queue, a real task: once it has run, the worker has taken the first.
    assert tasks.ping.delay().get(timeout=30) == "pong"
    wait_for(lambda: "unregistered task of type 'celery.starmap'" in worker.log.read_text(errors="replace"),
             timeout=10, interval=0.1, what="the worker to refuse celery.starmap")
    assert "celery.starmap[" not in worker.log.read_text(errors="replace")  # never run


@pytest.mark.worker
def test_a_message_carrying_its_own_time_limit_runs_under_the_task_s(start_worker, redis, buyer):
    from config.celery_app import app
    from orders.services import QuoteRequest, quote_request

    load_demo_catalog()
    configuration = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = quote_request(organization=configuration.organization, user=buyer,
                             request=QuoteRequest(configuration_id=configuration.pk, currency="USD"))
    redis.flush()  # the real message gone; in its place, a copy with a soft limit of 0.5 s
    app.send_task("orders.generate_quote", kwargs={"quote_id": quote.pk}, soft_time_limit=0.5)
    start_worker(COREKIT_FAULT_QUOTE_DELAY_S="3")  # pricing takes longer than that
    status = wait_for(lambda: Quote.objects.filter(pk=quote.pk, status__in=["ready", "failed"])
                      .values_list("status", "failure_reason").first(),
                      timeout=60, interval=0.2, what="the quote to be priced")
    assert status == ("ready", "")  # was: failed, "internal error: SoftTimeLimitExceeded"


@pytest.mark.worker
def test_a_worker_answers_pings_but_not_a_broadcast_shutdown_or_revocation(start_worker, redis):
    from config.celery_app import app

    worker = start_worker()
    app.control.broadcast("shutdown")  # a Redis PUBLISH: anyone who can write to it
    app.control.broadcast("pool_restart", arguments={"reload": False})
    # mingle's greeting, which merges the task ids it says are revoked: a revoke by another name
    app.control.broadcast("hello", arguments={"from_node": "evil@x", "revoked": ["victim-1"]})
    replies = app.control.ping(timeout=5)  # what /health/workers/ asks
    assert any(name.startswith(f"{worker.name}@") for reply in replies for name in reply), replies
    assert worker.process.poll() is None
    # It still works, the "revoked" task included.
    assert tasks.ping.apply_async(task_id="victim-1").get(timeout=30) == "pong"
