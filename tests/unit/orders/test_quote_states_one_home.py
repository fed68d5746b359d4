"""No module outside orders/domain spells out a list of quote statuses: they ask the state
machine's named sets (orders.domain.quote_states), so a new state changes one file."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STATES = "queued|pricing|ready|sent|accepted|rejected|expired|superseded|failed"
MEMBER = (r"(?:Quote\.Status|\bS|quote_states|qs)\."
          r"(?:QUEUED|PRICING|READY|SENT|ACCEPTED|REJECTED|EXPIRED|SUPERSEDED|FAILED)")
PYTHON_PATTERNS = [
    # (Quote.Status.READY, Quote.Status.SENT) or [S.READY, S.SENT, ...]
    re.compile(rf"{MEMBER}\s*,\s*{MEMBER}"),
    # ("ready", "sent") or {"ready", "sent", "accepted"}
    re.compile(rf"[\"'](?:{STATES})[\"']\s*,\s*[\"'](?:{STATES})[\"']"),
]
TEMPLATE_PATTERNS = [
    # status in 'ready sent accepted'
    re.compile(rf"[\"']\s*(?:{STATES})\s+(?:{STATES})\b"),
]
# The buyer's pages ask the quotes template filters even for one state: q.status == 'ready'.
WEB_TEMPLATE_PATTERNS = [*TEMPLATE_PATTERNS, re.compile(r"status\s*[!=]=\s*[\"']")]
TEMPLATE_EXEMPT: set[str] = set()
ENUM_MEMBER = re.compile(r"^\s*[A-Z_]+\s*=\s*[\"']\w+[\"']\s*,")


def _python_files():
    for folder in ("orders", "core", "configurator", "parts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[1] in ("domain", "migrations"):
                continue
            yield path


def _templates():
    base = ROOT / "templates"
    for path in sorted(base.rglob("*.html")):
        if str(path.relative_to(base)) not in TEMPLATE_EXEMPT:
            yield path


def _hits(paths, patterns):
    hits = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ENUM_MEMBER.match(line):  # another model's own choices (an import job's "queued")
                continue
            if any(p.search(line) for p in patterns):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    return hits


def test_no_python_module_outside_the_domain_hard_codes_a_list_of_quote_statuses():
    assert _hits(_python_files(), PYTHON_PATTERNS) == []


def test_no_template_hard_codes_a_list_of_quote_statuses():
    assert _hits(_templates(), TEMPLATE_PATTERNS) == []


def test_no_web_page_compares_a_quote_status_with_a_string():
    web = [p for p in _templates() if p.relative_to(ROOT / "templates").parts[0] == "web"]
    assert web and _hits(web, WEB_TEMPLATE_PATTERNS) == []


@pytest.mark.parametrize("line", [
    "if q.status in (Quote.Status.READY, Quote.Status.SENT):",
    "Quote.objects.filter(status__in=[S.READY, S.SENT])",
    'OFFERED_STATUSES = frozenset({"ready", "sent", "accepted"})',
    'if status in ("expired", "rejected"):',
])
def test_the_python_check_catches_a_hard_coded_list(line):
    assert any(p.search(line) for p in PYTHON_PATTERNS)


@pytest.mark.parametrize("line", [
    "{% elif q.status in 'ready sent accepted' %}ok{% endif %}",
    "{% if q.approval_pending and q.status == 'ready' %}",
])
def test_the_template_check_catches_hard_coded_statuses(line):
    assert any(p.search(line) for p in WEB_TEMPLATE_PATTERNS)
