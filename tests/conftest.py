"""Shared fixtures: organizations, users, API keys and a small valid catalog document."""

from __future__ import annotations

import copy

import pytest

from tests import hypothesis_profiles  # noqa: F401  (loads HYPOTHESIS_PROFILE before collection)
from tests.workers import ROOT, redis, redis_server, start_worker  # noqa: F401  (fixtures)


def pytest_configure(config):
    # Everything the suite writes goes under var/ (ignored): the SQLite test databases, media,
    # mail, the Hypothesis example database. A fresh clone has no var/ yet.
    (ROOT / "var").mkdir(exist_ok=True)


def pytest_collection_modifyitems(config, items):
    """`postgres` tests need PostgreSQL's behaviour (row locks, real concurrency)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _no_session_outlives_the_test_database(django_db_setup, django_db_blocker):
    """PostgreSQL refuses to drop a database someone is connected to. A worker a test killed
    with SIGKILL leaves its backend running the query it was in until PostgreSQL next talks
    to the client; at the end of the run, such leftovers are named on stderr and ended,
    so that the test database is dropped ("is being accessed by other users" otherwise)."""
    yield
    import sys

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    others = ("FROM pg_stat_activity WHERE datname = current_database() "
              "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"SELECT pid, state, left(query, 120) {others}")
        leftovers = cursor.fetchall()
        if not leftovers:
            return
        print(f"\nsessions left on the test database, ended: {leftovers}", file=sys.stderr)
        # With a timeout, PostgreSQL answers once each backend has ended (at most 10 s).
        cursor.execute(f"SELECT pg_terminate_backend(pid, 10000) {others}")


@pytest.fixture(autouse=True)
def _kit_templates(request):
    """Transactional tests flush every table, migration data included: re-seed the templates,
    for tests that reach the database through a fixture or through the `django_db` marker
    (pytest-django's own autouse fixture has set that up by now; without it, a test after a
    transactional one on the same database published a view with no templates)."""
    from configurator.services import kit_templates_seed

    if {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
    elif not request.node.get_closest_marker("django_db"):
        return
    kit_templates_seed()


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Each test sees its own catalog, never one cached by an earlier test (nor its pages)."""
    from django.core.cache import cache

    from configurator import catalog
    from orders.selectors import forget_catalog_reads
    from parts.selectors import forget_recent_bookings

    catalog.reset()
    forget_recent_bookings()
    forget_catalog_reads()
    cache.clear()
    yield
    catalog.reset()
    forget_recent_bookings()
    forget_catalog_reads()


@pytest.fixture
def is_postgres(db) -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def make_org(db):
    from core.services import organization_get_or_create

    def make(name: str = "Aurora Motors", kind: str = "automaker"):
        return organization_get_or_create(name=name, kind=kind)

    return make


@pytest.fixture
def make_user(db, make_org):
    from core.services import user_upsert

    def make(username: str = "buyer", *, org=None, role: str = "buyer"):
        return user_upsert(
            username=username, password="pw-for-tests-2026", organization=org or make_org(),
            role=role, email=f"{username}@example.com",
        )

    return make


@pytest.fixture
def buyer(make_user):
    return make_user("buyer")


@pytest.fixture
def sales_rep(make_user, make_org):
    return make_user("sales", org=make_org("corekit", "internal"), role="sales_rep")


@pytest.fixture
def second_rep(make_user, make_org):
    """Another sales rep: the second pair of eyes on terms `sales_rep` set."""
    return make_user("sales.lead", org=make_org("corekit", "internal"), role="sales_rep")


@pytest.fixture
def partner_key(make_org):
    from core.services import api_key_create

    org = make_org("Voltline Integrations", "partner")
    return api_key_create(organization=org, name="test key")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def partner_client(partner_key):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key.raw_key}")
    return client


SMALL_CATALOG = {
    "format": "corekit-catalog/1",
    "suppliers": [
        {"code": "SGI", "name": "Star Group Ind.", "country": "KR", "restricted": False},
        {"code": "CNMAG", "name": "Baotou Magnet Co.", "country": "CN", "restricted": False},
    ],
    "indices": [
        {"code": "NDPR_OXIDE", "unit": "USD/kg", "values": [
            {"date": "2026-09-01", "value": "61.80"}, {"date": "2026-10-01", "value": "62.50"},
        ]},
    ],
    "exchange_rates": [
        {"date": "2026-11-01", "from": "USD", "to": "KRW", "rate": "1385.20"},
    ],
    "parts": [
        {
            "sku": "MAG-N48SH-4930",
            "name": "Sintered NdFeB segment 49.3 x 17.9 x 7.2",
            "category": "magnet",
            "supplier": "SGI",
            "specs": {
                "grade": "N48SH", "max_operating_temp_c": 150, "remanence_t": 1.39,
                "coercivity_ka_per_m": 1671, "length_mm": 49.3, "width_mm": 17.9,
                "thickness_mm": 7.2, "mass_g": 48.1, "heavy_rare_earth": "dy",
                "grain_boundary_diffused": True, "ndpr_kg": 0.0135, "dy_tb_kg": 0.0006,
            },
            "provenance": [
                {"stage": "mining", "country": "AU", "company": "Lynas Rare Earths",
                 "evidence": {"reference": "COO-2026-0117", "expires": "2027-06-30"}},
                {"stage": "separation", "country": "MY", "company": "Lynas Rare Earths"},
                {"stage": "metal_alloy", "country": "VN", "company": "VTRE Alloys"},
                {"stage": "magnet_manufacturing", "country": "VN", "company": "Star Group Ind."},
                {"stage": "component_manufacturing", "country": "VN", "company": "Star Group Ind."},
            ],
            "pricing": {
                "currency": "USD",
                "tiers": [{"min_qty": 1, "unit_price": "3.40"},
                          {"min_qty": 100000, "unit_price": "3.05"}],
                "index_links": [
                    {"index": "NDPR_OXIDE", "base_value": "60.00", "kg_per_unit": "0.0135"}
                ],
            },
            "lead_time_days": 90, "moq": 5000, "annual_capacity": 4000000, "active": True,
        },
        {
            "sku": "SH-PRESS-45",
            "name": "Rotor shaft, press fit, 45 mm seat",
            "category": "shaft",
            "supplier": "CNMAG",
            "specs": {"seat_diameter_mm": 45.04, "length_mm": 310, "max_speed_rpm": 17000,
                      "fit": "press"},
            "provenance": [
                {"stage": "steel_making", "country": "CN", "company": "Baosteel"},
                {"stage": "component_manufacturing", "country": "CN", "company": "Baotou Magnet Co."},
            ],
            "pricing": {"currency": "KRW", "tiers": [{"min_qty": 1, "unit_price": "41000"}]},
            "lead_time_days": 45, "moq": 500, "annual_capacity": 300000, "active": True,
        },
    ],
}


@pytest.fixture
def small_catalog() -> dict:
    return copy.deepcopy(SMALL_CATALOG)


@pytest.fixture
def loaded_catalog(db, small_catalog):
    from parts.services import catalog_import

    report = catalog_import(document=small_catalog)
    assert report.ok, report.errors
    return small_catalog



# A resolver the tests control: no test may depend on external DNS. Names not listed
# do not resolve (like `metadata.google.internal` on a machine without that DNS).
FAKE_DNS = {
    "erp.example": ["93.184.215.14"],
    "hooks.partner.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "metadata.google.internal": ["169.254.169.254"],
    "mixed.example": ["93.184.215.14", "10.0.0.7"],
}


@pytest.fixture
def fake_dns(monkeypatch):
    """Route the SSRF guard's lookups to FAKE_DNS; the returned dict can be changed mid-test."""
    import socket

    answers = {host: list(addresses) for host, addresses in FAKE_DNS.items()}
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host in answers:
            return list(answers[host])
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("core.ssrf.system_resolver", resolve)
    answers["_calls"] = calls
    return answers
