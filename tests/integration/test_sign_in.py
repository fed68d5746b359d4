"""Sign-in throttling: per username and per client address, behind trusted proxies only,
shared by every process, on the web sign-in and the admin's."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.test import Client, RequestFactory

from core import clock, throttling
from core.models import User
from tests.workers import ROOT, database_url

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"
PROXY = "10.0.0.2"


def _sign_in(client, username, password, *, client_ip=None, url="/accounts/login/", **extra):
    if client_ip is not None:
        extra["HTTP_X_FORWARDED_FOR"] = client_ip
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=PROXY, **extra)


def test_wrong_passwords_for_one_user_behind_the_proxy_do_not_lock_out_another(settings, make_user):
    settings.COREKIT_TRUSTED_PROXIES = 1
    make_user("mallory.target")
    make_user("other.buyer")
    attacker = Client()
    for _ in range(14):
        response = _sign_in(attacker, "mallory.target", "wrong", client_ip="203.0.113.5")
        assert response.status_code in (200, 429)
    # The target is locked (per username) whatever address it comes from...
    assert _sign_in(Client(), "mallory.target", PASSWORD, client_ip="198.51.100.9").status_code == 429
    # ...but another user behind the same proxy signs in.
    ok = _sign_in(Client(), "other.buyer", PASSWORD, client_ip="198.51.100.7")
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_one_address_is_locked_whatever_usernames_it_tries(settings, make_user):
    settings.COREKIT_TRUSTED_PROXIES = 1
    settings.COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    make_user("victim")
    for i in range(6):
        # A client cannot rotate its address by sending X-Forwarded-For of its own: the
        # trusted proxy appends the address it saw, and that one is taken.
        _sign_in(Client(), f"guess{i}", "wrong", client_ip=f"192.0.2.{i}, 203.0.113.5")
    assert _sign_in(Client(), "victim", PASSWORD, client_ip="203.0.113.5").status_code == 429
    assert _sign_in(Client(), "victim", PASSWORD, client_ip="198.51.100.7").status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings, make_user):
    settings.COREKIT_TRUSTED_PROXIES = 0
    settings.COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    make_user("victim")
    for i in range(4):
        _sign_in(Client(), f"guess{i}", "wrong", client_ip=f"192.0.2.{i}")
    assert _sign_in(Client(), "victim", PASSWORD, client_ip="198.51.100.7").status_code == 429


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "expected"), [
    (0, "10.0.0.2", "203.0.113.5", "10.0.0.2"),
    (1, "10.0.0.2", "203.0.113.5", "203.0.113.5"),
    (1, "10.0.0.2", "6.6.6.6, 203.0.113.5", "203.0.113.5"),
    (2, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (2, "10.0.0.2", "203.0.113.5", "203.0.113.5"),
    (1, "10.0.0.2", "", "10.0.0.2"),
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
])
def test_client_address(settings, trusted, remote, forwarded, expected):
    settings.COREKIT_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttling.client_address(request) == expected


def test_the_admin_sign_in_is_throttled(settings, client):
    settings.COREKIT_LOGIN_MAX_FAILURES = 5
    User.objects.create_superuser("operator", "op@corekit.example", PASSWORD)
    url = "/admin/login/?next=/admin/"
    for _ in range(12):
        response = _sign_in(client, "operator", "wrong", url=url)
    assert response.status_code == 429 and throttling.LOCKED_MESSAGE in response.content.decode()
    right = _sign_in(client, "operator", PASSWORD, url=url)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_lock_lifts_after_the_window_and_a_success_clears_the_count(settings, client, make_user):
    settings.COREKIT_LOGIN_MAX_FAILURES = 3
    make_user("buyer")
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        for _ in range(3):
            _sign_in(client, "buyer", "wrong")
        assert _sign_in(client, "buyer", PASSWORD).status_code == 429
    with clock.frozen(start + dt.timedelta(seconds=settings.COREKIT_LOGIN_LOCK_SECONDS + 1)):
        _sign_in(client, "buyer", "wrong")
        _sign_in(client, "buyer", "wrong")
        assert _sign_in(Client(), "buyer", PASSWORD).status_code == 302
        _sign_in(client, "buyer", "wrong")
        _sign_in(client, "buyer", "wrong")  # two more: the success reset the count to 0
        assert _sign_in(Client(), "buyer", PASSWORD).status_code == 302


def test_two_processes_share_the_count(transactional_db, settings, make_user):
    """A second Python process fails three times; this one sees them (limit 5: two more lock)."""
    settings.COREKIT_LOGIN_MAX_FAILURES = 5
    make_user("buyer")
    code = ("import django; django.setup(); from django.test import Client; "
            "c = Client(HTTP_HOST='localhost'); "
            "print([c.post('/accounts/login/', {'username': 'buyer', 'password': 'wrong'}, "
            "REMOTE_ADDR='10.0.0.2').status_code for _ in range(3)])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": database_url(), "COREKIT_LOGIN_MAX_FAILURES": "5"}
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert other.stdout.strip() == "[200, 200, 200]", other.stderr[-2000:]
    client = Client()
    assert _sign_in(client, "buyer", "wrong").status_code == 200
    assert _sign_in(client, "buyer", "wrong").status_code == 200
    assert _sign_in(client, "buyer", PASSWORD).status_code == 429


def test_api_rate_limits_do_not_trust_a_client_sent_x_forwarded_for():
    from core.api.throttling import PrincipalRateThrottle

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert PrincipalRateThrottle().get_ident(request) == "198.51.100.7"
