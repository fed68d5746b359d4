"""Webhooks: the SSRF guard at registration and at delivery, and one service for every write.

Every URL of the security review is a case here. DNS is never external: the `fake_dns`
fixture answers for the names the tests use, and every other name does not resolve.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from core import ssrf
from core.errors import NotFound, ValidationFailed
from orders import notifications, webhooks
from orders.models import WebhookDelivery, WebhookEndpoint

# The URLs the outside probe registered successfully; each must now be refused.
PROBED = [
    "http://127.0.0.1",
    "http://localhost",
    "http://[::1]",
    "http://0.0.0.0",
    "http://169.254.169.254",
    "http://[::ffff:169.254.169.254]",
    "http://10.0.0.1",
    "http://192.168.1.1",
    "http://metadata.google.internal",
    "http://user:pass@127.0.0.1",
]

MORE_UNSAFE = [
    "http://127.0.0.1:8000/hooks",
    "http://127.1/",  # shorthand IPv4 that resolvers accept
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.0.0.1/",
    "http://0/",  # 0.0.0.0
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://172.16.0.1/",
    "http://198.18.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 of 169.254.169.254
    "http://mixed.example/",  # one public and one private address: refused
    "http://nowhere.invalid/",  # does not resolve
    "http://user@erp.example/",
    "https://erp.example:0/hooks",  # stored as given, delivered to 443
    "https://:secret@erp.example/",
    "ftp://erp.example/drop",
    "file:///etc/passwd",
    "gopher://erp.example/",
    "javascript:alert(1)",
    "http:///path-only",
    "http://erp.example\\@127.0.0.1/",
    "http://erp.example /x",
]

SAFE = [
    "https://erp.example/hooks",
    "http://erp.example:8080/hooks?tenant=7",
    "https://hooks.partner.example/corekit",
    "https://93.184.215.14/hooks",
    "https://[2606:4700:4700::1111]/hooks",
]


@pytest.fixture(autouse=True)
def _no_allow_list(settings):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = []


@pytest.mark.parametrize("url", PROBED + MORE_UNSAFE)
def test_guard_refuses_unsafe_urls(url, fake_dns):
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url(url)


def test_metadata_host_is_refused_when_it_resolves_and_when_it_does_not(fake_dns):
    with pytest.raises(ssrf.UnsafeURL, match="link-local"):
        ssrf.check_url("http://metadata.google.internal/computeMetadata/v1/")
    del fake_dns["metadata.google.internal"]
    with pytest.raises(ssrf.UnsafeURL, match="does not resolve"):
        ssrf.check_url("http://metadata.google.internal/computeMetadata/v1/")


def test_guard_refuses_an_unresolvable_host_with_the_system_resolver():
    # No fake here: this machine's resolver answers nothing for a reserved TLD.
    with pytest.raises(ssrf.UnsafeURL, match="does not resolve"):
        ssrf.check_url("http://corekit-ssrf-test.invalid/")


@pytest.mark.parametrize("url", SAFE)
def test_guard_accepts_public_http_urls(url, fake_dns):
    target = ssrf.check_url(url)
    assert target.scheme in ("http", "https") and target.addresses


def test_guard_returns_the_addresses_it_checked(fake_dns):
    target = ssrf.check_url("http://erp.example:8080/hooks?tenant=7")
    assert (target.host, target.port, target.path, target.addresses) == (
        "erp.example", 8080, "/hooks?tenant=7", ("93.184.215.14",))


def test_an_injected_resolver_is_used():
    target = ssrf.check_url("https://erp.example/", resolver=lambda host, port: ["93.184.215.14"],
                            allowed_hosts=[])
    assert target.addresses == ("93.184.215.14",)
    with pytest.raises(ssrf.UnsafeURL, match="private"):
        ssrf.check_url("https://erp.example/", resolver=lambda host, port: ["10.1.2.3"],
                       allowed_hosts=[])


def test_allow_list_admits_hosts_addresses_and_networks_but_never_credentials(fake_dns):
    allowed = ["127.0.0.1", "10.20.0.0/16", "receiver.internal"]
    fake_dns["receiver.internal"] = ["192.168.7.7"]
    assert ssrf.check_url("http://127.0.0.1:9999/hooks", allowed_hosts=allowed).addresses == ("127.0.0.1",)
    assert ssrf.check_url("http://10.20.3.4/", allowed_hosts=allowed).addresses == ("10.20.3.4",)
    assert ssrf.check_url("http://receiver.internal/", allowed_hosts=allowed).addresses == ("192.168.7.7",)
    for url in ("http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/"):
        with pytest.raises(ssrf.UnsafeURL):
            ssrf.check_url(url, allowed_hosts=allowed)
    with pytest.raises(ssrf.UnsafeURL, match="credentials"):
        ssrf.check_url("http://user:pass@127.0.0.1/", allowed_hosts=allowed)
    with pytest.raises(ssrf.UnsafeURL, match="http"):
        ssrf.check_url("ftp://127.0.0.1/", allowed_hosts=allowed)


def test_allow_list_setting_is_read_from_settings(settings, fake_dns):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert ssrf.check_url("http://127.0.0.1:8000/").addresses == ("127.0.0.1",)
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_url("http://127.0.0.1:8000/")


# --- registration: API, service, admin -------------------------------------------------

@pytest.fixture
def buyer_api(buyer):
    client = APIClient()
    client.force_login(buyer)
    return client


@pytest.mark.parametrize("url", PROBED)
def test_api_refuses_every_probed_url_and_writes_nothing(url, buyer_api, fake_dns):
    response = buyer_api.post("/api/v1/webhooks/", {"url": url, "events": ["quote.ready"]}, format="json")
    assert response.status_code == 400, response.content
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_api_registers_a_public_url_with_a_generated_secret(buyer_api, fake_dns):
    # The secret is the server's to make: one chosen by the caller is refused, not ignored.
    chosen = buyer_api.post("/api/v1/webhooks/", {"url": "https://erp.example/hooks",
                                                  "secret": "chosen-by-the-caller"}, format="json")
    assert chosen.status_code == 400 and chosen.json()["error"]["fields"] == {"secret": ["unknown field"]}
    assert not WebhookEndpoint.objects.exists()
    response = buyer_api.post("/api/v1/webhooks/", {"url": "https://erp.example/hooks"}, format="json")
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == response.json()["secret"]
    assert len(endpoint.secret) >= 40


@pytest.mark.parametrize("url", PROBED)
def test_service_refuses_every_probed_url(url, make_org, fake_dns):
    with pytest.raises(ValidationFailed) as info:
        webhooks.webhook_create(organization=make_org(), url=url)
    assert "url" in info.value.fields
    assert not WebhookEndpoint.objects.exists()


def test_service_update_checks_the_new_url_and_delete_is_per_organization(make_org, fake_dns):
    aurora, nordwerk = make_org(), make_org("Nordwerk Automobil AG")
    endpoint = webhooks.webhook_create(organization=aurora, url="https://erp.example/h",
                                       events=["quote.ready"])
    with pytest.raises(ValidationFailed):
        webhooks.webhook_update(endpoint=endpoint, url="http://169.254.169.254/latest/")
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example/h"
    webhooks.webhook_update(endpoint=endpoint, events=["order.created"], active=False)
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.active) == (["order.created"], False)
    old = endpoint.secret
    assert webhooks.webhook_rotate_secret(endpoint=endpoint).secret != old
    with pytest.raises(NotFound):
        webhooks.webhook_delete(organization=nordwerk, pk=endpoint.pk)
    webhooks.webhook_delete(organization=aurora, pk=endpoint.pk)
    assert not WebhookEndpoint.objects.exists()


def _admin_url(suffix: str) -> str:
    return f"/{django_settings.COREKIT_ADMIN_PATH}orders/webhookendpoint/{suffix}"


def test_admin_add_generates_the_secret_and_a_typed_one_is_ignored(admin_client, make_org, fake_dns):
    org = make_org()
    page = admin_client.get(_admin_url("add/"))
    assert page.status_code == 200
    assert b'name="secret"' not in page.content
    response = admin_client.post(_admin_url("add/"), {
        "organization": org.pk, "url": "https://erp.example/hooks", "events": ["quote.ready"],
        "active": "on", "secret": "typed-by-a-rep",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret != "typed-by-a-rep" and len(endpoint.secret) >= 40
    assert endpoint.events == ["quote.ready"]
    # The secret is shown on the endpoint's page, never in a message (a cookie).
    assert endpoint.secret not in str(response.cookies)
    assert endpoint.secret.encode() in admin_client.get(_admin_url(f"{endpoint.pk}/change/")).content


@pytest.mark.parametrize("url", PROBED)
def test_admin_add_refuses_every_probed_url(url, admin_client, make_org, fake_dns):
    response = admin_client.post(_admin_url("add/"), {"organization": make_org().pk, "url": url,
                                                      "active": "on"})
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors.get("url")
    assert not WebhookEndpoint.objects.exists()


def test_admin_change_refuses_an_unsafe_url(admin_client, make_org, fake_dns):
    endpoint = webhooks.webhook_create(organization=make_org(), url="https://erp.example/h")
    response = admin_client.post(_admin_url(f"{endpoint.pk}/change/"), {
        "url": "http://[::ffff:169.254.169.254]/", "active": "on"})
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example/h"


# --- delivery: checked again, pinned, never redirected ------------------------------------

class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), body))
        status, location = self.server.answer
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    servers = []

    def start(status: int = 204, location: str = "") -> HTTPServer:
        server = HTTPServer(("127.0.0.1", 0), _Receiver)
        server.received, server.answer = [], (status, location)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _delivery(org, url: str) -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.create(organization=org, url=url, secret="s" * 43)
    return WebhookDelivery.objects.create(endpoint=endpoint, event="quote.ready", event_id="quote.ready:1",
                                          payload={"id": "quote.ready:1", "event": "quote.ready"})


def test_delivery_refuses_an_address_that_became_private(make_org, fake_dns, settings, receiver):
    """DNS rebinding: public at registration, loopback at delivery: refused, nothing sent."""
    server = receiver()
    fake_dns["hooks.rebind.example"] = ["93.184.215.14"]
    endpoint = webhooks.webhook_create(organization=make_org(),
                                       url=f"http://hooks.rebind.example:{server.server_port}/h")
    fake_dns["hooks.rebind.example"] = ["127.0.0.1"]
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="quote.ready",
                                              event_id="quote.ready:9", payload={"id": "x"})
    with pytest.raises(notifications.DeliveryFailed, match="refused"):
        notifications.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1 and "loopback" in delivery.last_error
    assert server.received == []


def test_delivery_also_refuses_urls_stored_before_the_guard(make_org, fake_dns, receiver):
    server = receiver()
    delivery = _delivery(make_org(), f"http://127.0.0.1:{server.server_port}/h")
    with pytest.raises(notifications.DeliveryFailed):
        notifications.webhook_deliver(delivery_id=delivery.pk)
    assert server.received == []


def test_delivery_connects_to_the_address_it_checked(make_org, fake_dns, settings, receiver):
    """The name is resolved once, by the guard; the connection goes to that address."""
    server = receiver()
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    fake_dns["receiver.test"] = ["127.0.0.1"]  # unknown to the system resolver
    delivery = _delivery(make_org(), f"http://receiver.test:{server.server_port}/in?x=1")
    delivered = notifications.webhook_deliver(delivery_id=delivery.pk)
    assert delivered.status == "delivered" and delivered.response_code == 204
    path, headers, _ = server.received[0]
    assert path == "/in?x=1" and headers["Host"] == f"receiver.test:{server.server_port}"
    assert fake_dns["_calls"].count("receiver.test") == 1


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(make_org, fake_dns, settings, receiver):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    target = receiver()
    redirector = receiver(302, f"http://127.0.0.1:{target.server_port}/stolen")
    delivery = _delivery(make_org(), f"http://127.0.0.1:{redirector.server_port}/h")
    with pytest.raises(notifications.DeliveryFailed, match="redirect"):
        notifications.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.response_code == 302 and delivery.attempts == 1
    assert len(redirector.received) == 1 and target.received == []


def test_a_delivered_webhook_is_never_sent_again(make_org, fake_dns, settings, receiver):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    server = receiver()
    delivery = _delivery(make_org(), f"http://127.0.0.1:{server.server_port}/h")
    notifications.webhook_deliver(delivery_id=delivery.pk)
    again = notifications.webhook_deliver(delivery_id=delivery.pk)
    assert again.status == "delivered" and again.attempts == 1
    assert len(server.received) == 1


def test_two_runs_never_attempt_the_same_delivery_at_once(make_org, fake_dns, settings, receiver):
    from core import clock

    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    server = receiver()
    delivery = _delivery(make_org(), f"http://127.0.0.1:{server.server_port}/h")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        in_flight_until=clock.now() + clock.dt.timedelta(seconds=30))
    with pytest.raises(notifications.DeliveryBusy) as info:
        notifications.webhook_deliver(delivery_id=delivery.pk)
    assert 1 <= info.value.wait <= 31
    assert server.received == []


def _self_signed(tmp_path, name: str):
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_https_delivery_to_the_checked_address_verifies_the_url_host(tmp_path, receiver):
    """Pinned to 127.0.0.1, TLS still checks the certificate against the URL's host name."""
    import ssl

    cert, key = _self_signed(tmp_path, "receiver.test")
    server = receiver()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    client_context = ssl.create_default_context(cafile=str(cert))

    def resolve(host, port):
        return ["127.0.0.1"]

    good = ssrf.check_url(f"https://receiver.test:{server.server_port}/in", resolver=resolve,
                          allowed_hosts=["127.0.0.1"])
    status, _ = ssrf.post(good, body=b"{}", headers={"Content-Type": "application/json"},
                          timeout=5, ssl_context=client_context)
    assert status == 204 and server.received[0][1]["Host"] == f"receiver.test:{server.server_port}"

    wrong = ssrf.check_url(f"https://impostor.test:{server.server_port}/in", resolver=resolve,
                           allowed_hosts=["127.0.0.1"])
    with pytest.raises(ssl.SSLCertVerificationError):
        ssrf.post(wrong, body=b"{}", headers={}, timeout=5, ssl_context=client_context)
    assert len(server.received) == 1


# --- the buyer's web page: the same service ------------------------------------------------

@pytest.fixture
def buyer_web(client, buyer):
    client.force_login(buyer)
    return client


@pytest.mark.parametrize("url", PROBED)
def test_web_page_refuses_every_probed_url(url, buyer_web, fake_dns):
    response = buyer_web.post("/webhooks/", {"url": url, "events": ["quote.ready"]})
    assert response.status_code == 400
    assert response.context["form"].errors.get("url")
    assert not WebhookEndpoint.objects.exists()


def test_web_page_adds_with_a_generated_secret_shown_once_and_deletes(buyer_web, buyer, make_org,
                                                                     fake_dns):
    assert buyer_web.get("/webhooks/").status_code == 200
    response = buyer_web.post("/webhooks/", {"url": "https://erp.example/hooks", "events": ["order.created"],
                                             "secret": "typed"})
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization == buyer.membership.organization and endpoint.events == ["order.created"]
    assert endpoint.secret != "typed" and endpoint.secret.encode() in response.content
    assert endpoint.secret not in str(response.cookies)
    listing = buyer_web.get("/webhooks/")
    assert b"https://erp.example/hooks" in listing.content and endpoint.secret.encode() not in listing.content

    other = webhooks.webhook_create(organization=make_org("Nordwerk Automobil AG"), url="https://erp.example/n")
    assert buyer_web.post(f"/webhooks/{other.pk}/delete/").status_code == 404
    assert buyer_web.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert list(WebhookEndpoint.objects.all()) == [other]


def test_an_organization_registers_at_most_the_limit_of_endpoints_on_every_path(
        buyer_api, buyer_web, buyer, admin_client, settings, fake_dns):
    """300 endpoints were accepted, and each event became 300 deliveries on the shared
    workers (up to 5 s an attempt): one customer could hold every worker."""
    settings.COREKIT_WEBHOOKS_PER_ORGANIZATION = 2
    organization = buyer.membership.organization
    for i in range(2):
        assert buyer_api.post("/api/v1/webhooks/", {"url": f"https://erp.example/{i}"},
                              format="json").status_code == 201
    refused = buyer_api.post("/api/v1/webhooks/", {"url": "https://erp.example/3"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "webhook_limit"
    assert "at most 2 webhook endpoints" in refused.json()["error"]["message"]
    page = buyer_web.post("/webhooks/", {"url": "https://erp.example/4", "events": ["quote.ready"]})
    assert page.status_code == 400 and "at most 2 webhook endpoints" in page.content.decode()
    admin = admin_client.post(_admin_url("add/"), {"organization": organization.pk,
                                                   "url": "https://erp.example/5", "active": "on"})
    assert admin.status_code == 200 and "at most 2 webhook endpoints" in admin.content.decode()
    assert WebhookEndpoint.objects.filter(organization=organization).count() == 2
    other = webhooks.webhook_create(organization=_other_org(), url="https://erp.example/other")
    assert other.pk  # the limit is per organization
    WebhookEndpoint.objects.filter(organization=organization).first().delete()
    assert buyer_api.post("/api/v1/webhooks/", {"url": "https://erp.example/6"},
                          format="json").status_code == 201


def _other_org():
    from core.services import organization_get_or_create

    return organization_get_or_create(name="Nordwerk Automobil AG", kind="automaker")
