"""Schema fuzzing: every /api/v1/ operation against its own OpenAPI schema, with schemathesis.

The schema is read from the running WSGI app (config.wsgi) at /api/v1/schema/ and one pytest test is
generated per operation (``test_api[GET /api/v1/parts/]`` ...). Each test gets a fresh database
transaction (pytest-django ``db``; the WSGI app runs in this process, so it sees the same connection)
holding the demo catalog and, for the partner organization whose API key every request carries:
a valid and an invalid saved configuration, a queued and a ready quote, an order and a webhook.
Generated path ids and a few body fields are swapped, sometimes, for those real ids and codes
(`flatmap_*` hooks below) so that GET/PATCH/DELETE, options, repairs, clone, accept, reject and the
document get past the 404; the rest of the time the random values exercise the 404 paths.

Checks on every response:
  - not_a_server_error            no 5xx;
  - status_code_conformance       the status code is documented for the operation;
  - content_type_conformance      the Content-Type is documented;
  - response_schema_conformance   the body matches the documented schema;
  - error_shape (below)           every 4xx body is {"error": {"code", "message", "fields"}}.

Generation is deterministic (Hypothesis ``derandomize=True``, no example database) and bounded:
schemathesis' examples and coverage phases (deterministic boundary and negative cases) plus
MAX_EXAMPLES fuzzed cases, positive and negative, per operation.

Nothing is excluded: all 24 operations of the schema are generated (GET /schema/ and /docs/ are
not in it). Notes on the ones that could have been:
  - GET /quotes/{id}/document/ returns a PDF (binary). It is fuzzed like the others (404, 409 and,
    for the ready quote, a 200 whose Content-Type is checked); the stored file is a tiny PDF rather
    than a rendered quote, as rendering one (WeasyPrint, ~1.5 s) per operation would cost more than
    all the fuzzing.
  - POST /quotes/ enqueues quote generation through the outbox (core/outbox.py), which publishes
    after commit; the test transaction never commits, so no broker is contacted.
  - POST /quotes/{id}/accept/ creates orders and the DELETE operations delete: each operation runs in
    its own rolled-back transaction, so that only affects later examples of the same operation.
Rate limiting (core/api/throttling.py) is switched off for these tests: one key sends hundreds of
requests a minute, and past the limit every answer would be a 429.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from config.wsgi import application
from demo.catalog import FAMILIES
from tests.hypothesis_profiles import examples

# Fuzzed cases per operation on top of the deterministic phases: 25 in CI, fewer by default.
MAX_EXAMPLES = examples(25)
FAMILY = FAMILIES["CK48-8"]
# A magnet rated below the family's required temperature: a saved configuration with an error.
BROKEN_MAGNET = "MAG-N45H-D-4930-SGI-KR"

CONFIG = schemathesis.Config.from_dict({
    "cache": {"enabled": False},
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        # The API key is sent by the test itself: don't spend examples on random Authorization values.
        "with-security-parameters": False,
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
})

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)


# --- real ids and codes -------------------------------------------------------------------------------

# Filled per test by the `world` fixture, read by the hooks while Hypothesis draws.
REAL: dict[str, list] = {}

_ID_KIND = {
    "/configurations/{id}/": "configuration", "/quotes/{id}/": "quote",
    "/orders/{id}/": "order", "/webhooks/{id}/": "webhook",
}


def _id_kind(path: str) -> str | None:
    for prefix, kind in _ID_KIND.items():
        if prefix in path:
            return kind
    return None


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    """Either the generated id (mostly a 404) or one that exists for the caller's organization."""
    params = dict(path_parameters or {})
    path = ctx.operation.path
    if "sku" in params:
        real = [{**params, "sku": sku} for sku in REAL.get("sku", [])]
    elif "id" in params and (kind := _id_kind(path)):
        real = [{**params, "id": pk} for pk in REAL.get(kind, [])]
    else:
        return st.just(params)
    return st.sampled_from([*real, params])


def _maybe(value, choices):
    return st.sampled_from([*choices, value])


@schema.hook
def flatmap_body(ctx, body):
    """Sometimes real codes in the bodies, so the fuzzing gets past 'unknown template/configuration'."""
    if not isinstance(body, dict):
        return st.just(body)
    fields = {}
    if "configuration" in body:
        fields["configuration"] = _maybe(body["configuration"], REAL.get("configuration", []))
    if "template" in body:
        fields["template"] = _maybe(body["template"], REAL.get("template", []))
    if "sourcing_policy" in body:
        fields["sourcing_policy"] = _maybe(body["sourcing_policy"], REAL.get("policy", []))
    if isinstance(body.get("lines"), list):
        real_lines = [{"slot": slot, "sku": sku} for slot, sku in FAMILY["skus"].items()]
        fields["lines"] = st.tuples(*[_maybe(line, real_lines) for line in body["lines"]]).map(list)
    if not fields:
        return st.just(body)
    return st.fixed_dictionaries(fields).map(lambda chosen: {**body, **chosen})


# What GET /quotes/{id}/document/ serves is the stored file: a one-page PDF is enough here.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def in_process_wsgi():
    """Keep the test's connection open across requests, as Django's test client does.

    The WSGI handler sends request_started/request_finished, whose close_old_connections closes a
    connection inside an atomic block, i.e. the `db` fixture's transaction.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_rate_limits(monkeypatch):
    """Past the per-key rate limit everything would be a 429: not what is fuzzed here."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def world(db, in_process_wsgi, no_rate_limits, partner_key, settings, tmp_path):
    """Demo catalog plus one of everything for the partner organization; fills REAL."""
    from django.core.files.base import ContentFile

    from configurator.selectors import sourcing_policy_codes
    from orders import services as order_services
    from orders.models import WebhookEndpoint
    from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

    settings.MEDIA_ROOT = tmp_path
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    org = partner_key.api_key.organization
    valid = family_configuration(org)
    broken = family_configuration(org, swap={"magnet": BROKEN_MAGNET})

    def quote(currency: str):
        created, _ = order_services.quote_request(
            organization=org,
            request=order_services.QuoteRequest(configuration_id=valid.pk, currency=currency),
        )
        return created

    queued = quote("USD")
    ready = order_services.quote_generate(quote_id=quote("KRW").pk)
    assert ready.status == "ready", ready.failure_reason
    ready.document.save(f"{ready.number}-v{ready.version}.pdf", ContentFile(TINY_PDF))
    accepted = order_services.quote_generate(quote_id=quote("EUR").pk)
    order, _ = order_services.quote_accept(quote=accepted, **PLACE_ORDER)
    webhook = WebhookEndpoint.objects.create(
        organization=org, url="https://erp.example/hooks", events=["order.created"], secret="s" * 32,
    )
    REAL.clear()
    REAL.update(
        configuration=[valid.pk, broken.pk],
        quote=[queued.pk, ready.pk, accepted.pk],
        order=[order.pk],
        webhook=[webhook.pk],
        sku=[*FAMILY["skus"].values(), BROKEN_MAGNET],
        template=[FAMILY["template"], "rotor-kit", "stator-kit"],
        policy=list(sourcing_policy_codes()),
    )
    yield {"Authorization": f"Api-Key {partner_key.raw_key}"}
    REAL.clear()


# --- the error-shape check --------------------------------------------------------------------------


@schemathesis.check
def error_shape(ctx, response, case):
    """Every 4xx body is {"error": {"code": str, "message": str, "fields": {name: [str, ...]}}}."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(
            f"{response.status_code} body is not JSON "
            f"({response.headers.get('content-type')}): {response.content[:200]!r}"
        ) from exc
    error = body.get("error") if isinstance(body, dict) else None
    problems = []
    if not isinstance(error, dict):
        problems.append('no "error" object')
    else:
        if not isinstance(error.get("code"), str) or not error["code"]:
            problems.append('"error.code" is not a non-empty string')
        if not isinstance(error.get("message"), str) or not error["message"]:
            problems.append('"error.message" is not a non-empty string')
        fields = error.get("fields")
        if not isinstance(fields, dict):
            problems.append('"error.fields" is not an object')
        elif not all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in fields.values()):
            problems.append('"error.fields" values are not lists of strings')
    if problems:
        raise AssertionError(
            f"{response.status_code} body has not the error shape ({'; '.join(problems)}): "
            f"{json.dumps(body)[:300]}"
        )
    return None


# --- the test ---------------------------------------------------------------------------------------


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api(case, world):
    case.call_and_validate(headers=world, additional_checks=[error_shape])
