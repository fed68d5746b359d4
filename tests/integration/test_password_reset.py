"""A password reset's e-mail goes through the outbox: sent by a worker (retried while the mail
server is down), never by the request, and recorded without a token."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache

from core import tasks
from core.forms import PASSWORD_RESET_TASK
from core.models import OutboxMessage
from tests.workers import wait_for

NEW_PASSWORD = "a-new-and-long-passphrase-2026"
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")


def _ask(client, email: str):
    response = client.post("/accounts/password_reset/", {"email": email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    return response


def _messages():
    return list(OutboxMessage.objects.filter(task=PASSWORD_RESET_TASK))


def _reset_with(client, body: str) -> None:
    """Follow the e-mail's link and set a new password, as the user would."""
    path = LINK.search(body)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"], "the e-mailed link is not valid"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"


@pytest.mark.django_db
def test_the_request_records_a_message_without_a_token_and_the_worker_sends_the_link(client, buyer):
    _ask(client, buyer.email)
    assert mail.outbox == []  # nothing sent by the request
    [message] = _messages()
    assert message.kwargs["user_id"] == buyer.pk and message.kwargs["to_email"] == buyer.email
    assert not any(isinstance(value, str) and default_token_generator.check_token(buyer, value)
                   for value in message.kwargs.values())
    assert {"token", "uid"}.isdisjoint(message.kwargs)

    assert tasks.send_password_reset.run(**message.kwargs) is True
    [sent] = mail.outbox
    assert sent.to == [buyer.email] and "password reset" in sent.subject.lower()
    _reset_with(client, sent.body)
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_an_unknown_address_gets_the_same_answer_and_nothing_is_recorded(client, buyer):
    _ask(client, "nobody@example.com")
    assert _messages() == [] and mail.outbox == []


@pytest.mark.django_db
def test_one_reset_e_mail_per_account_per_window(client, buyer, make_user, settings):
    other = make_user("other")
    for _ in range(3):
        _ask(client, buyer.email)
    _ask(client, other.email)
    assert sorted(m.kwargs["user_id"] for m in _messages()) == sorted([buyer.pk, other.pk])
    cache.clear()  # the window has passed
    _ask(client, buyer.email)
    assert len(_messages()) == 3


@pytest.mark.django_db
def test_a_mail_server_that_fails_makes_the_task_retry(client, buyer, monkeypatch):
    _ask(client, buyer.email)
    [message] = _messages()

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)
    with pytest.raises(OSError):
        tasks.send_password_reset.run(**message.kwargs)
    assert issubclass(smtplib.SMTPServerDisconnected, tasks.send_password_reset.autoretry_for)
    monkeypatch.undo()
    assert tasks.send_password_reset.run(**message.kwargs) is True and len(mail.outbox) == 1


@pytest.mark.django_db
def test_nothing_is_sent_to_an_account_that_changed_since_the_request(client, buyer):
    _ask(client, buyer.email)
    [message] = _messages()
    buyer.email = "new-address@example.com"
    buyer.save()
    assert tasks.send_password_reset.run(**message.kwargs) is False
    buyer.email, buyer.is_active = message.kwargs["to_email"], False
    buyer.save()
    assert tasks.send_password_reset.run(**message.kwargs) is False
    assert mail.outbox == []


@pytest.mark.worker
def test_a_real_worker_sends_the_reset_e_mail(start_worker, client, buyer, tmp_path):
    start_worker()
    _ask(client, buyer.email)
    # The file back end creates its file, then writes the message and a line of dashes
    # after it: a file found before that line was once read empty.
    def written() -> list[str]:
        return [text for path in (tmp_path / "mail").glob("*.log")
                if (text := path.read_text()).rstrip().endswith("-" * 79)]

    body = wait_for(written, timeout=60, what="the worker to write the reset e-mail")[0]
    assert f"To: {buyer.email}" in body
    wait_for(lambda: not OutboxMessage.objects.filter(task=PASSWORD_RESET_TASK, completed_at__isnull=True)
             .exists(), timeout=30, what="the outbox message to finish")
    _reset_with(client, body)
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_a_reset_asked_while_the_cache_is_away_is_recorded_not_refused(client, buyer, settings):
    from core import cache as fail_open
    from tests.workers import _free_port

    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    fail_open.reset()
    try:
        _ask(client, buyer.email)
        _ask(client, buyer.email)
    finally:
        fail_open.reset()
    assert [m.kwargs["user_id"] for m in _messages()] == [buyer.pk, buyer.pk]
