"""Where the published catalog view lives: one signed blob per catalog stamp, in PostgreSQL.

Why the database and not Redis: the artifact is derived from catalog rows and keyed by the
catalog stamp, both of which live in the database, so a backup, a restore or a failover
keeps them consistent; a process can load it while Redis is down or after Redis restarts
empty (it runs without persistence), instead of every process on every host rebuilding at
once; and storing it is a transaction like any other write. A 100k-part view is about 6 MB,
read once per process per catalog change.

The blob is signed with a key derived from SECRET_KEY and checked before it is unpickled;
rows are keyed by the code that built them too, so during a rolling deploy a process never
loads objects pickled by another version of the domain code.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import socket
import time
from contextlib import contextmanager, suppress
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import IntegrityError, connection, transaction

from configurator.domain.artifact import ArtifactRefused, pack, unpack
from configurator.models import CatalogArtifact
from core import outbox
from core.cache import redis_client
from core.models import OutboxMessage
from core.source import source_digest

logger = logging.getLogger(__name__)

PUBLISH_TASK = "configurator.publish_catalog_view"
_SALT = b"corekit.configurator.catalog-artifact.v1"
_PICKLED_CODE = ("configurator/domain", "parts/domain", "configurator/catalog.py")


def artifact_key() -> bytes:
    """The signing key: derived from SECRET_KEY (every web host and worker shares it)."""
    return hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()


@cache
def code_fingerprint() -> str:
    """A digest of the code whose objects the artifact pickles (the domain, the view)."""
    return source_digest(_PICKLED_CODE)[:32]


def _rows(version: tuple):
    counter, changed_at = version
    return CatalogArtifact.objects.filter(version=counter, changed_at=changed_at, code=code_fingerprint())


# A PostgreSQL advisory lock shared by every worker process on every host (a session lock:
# it goes with the connection if the process dies).
_BUILD_LOCK = int.from_bytes(hashlib.sha256(b"corekit.catalog-view-build").digest()[:8], "big", signed=True)


def host_lock_path(purpose: str) -> str | None:
    """A lock file of this host for `purpose` and this database (None: no lock folder set)."""
    folder = settings.COREKIT_CATALOG_LOAD_LOCK_DIR
    if not folder:
        return None
    database = settings.DATABASES["default"]
    name = hashlib.sha256(f"{database.get('HOST')}:{database.get('PORT')}/{database['NAME']}".encode())
    return os.path.join(folder, f"corekit-catalog-{purpose}-{name.hexdigest()[:16]}.lock")


@contextmanager
def build_turn():
    """Inside, this is the only process building a catalog view to publish.

    After a catalog change the publish task, the re-validation and the policy verdicts all
    need the new view, and Celery runs them side by side: each built it (9 s of CPU at 100k
    parts, three times over, on the cores the web processes answer from). Whoever holds the
    turn builds and stores it; the others wait, then find the artifact and load it. Across
    hosts on PostgreSQL (an advisory lock); on SQLite, one host: a lock file."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_BUILD_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_BUILD_LOCK])
        return
    path = host_lock_path("build")
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def artifact_exists(version: tuple) -> bool:
    return _rows(version).exists()


def artifact_load(version: tuple, *, pause=None):
    """The published view of this stamp, or None (none yet, or refused: never unpickled unsigned).
    `pause`: see configurator.domain.artifact.unpack (a background load yields to requests)."""
    view = _unpacked(_rows(version).values_list("blob", flat=True).first(), version, pause=pause,
                     what="catalog artifact")
    if view is not None and getattr(view, "version", None) != version:
        logger.error("catalog artifact stored as %s holds another stamp; ignored", version)
        return None
    return view


def _unpacked(blob: bytes | None, version: tuple, *, pause, what: str):
    """The object in `blob` if its signature verifies (never unpickled unsigned), else None."""
    if not blob:
        return None
    try:
        return unpack(blob, artifact_key(), pause=pause)
    except ArtifactRefused:
        logger.error("%s for %s refused: its signature does not match", what, version)
        return None


def artifact_store(view, *, build_seconds: float = 0.0, ahead: bool = False) -> int:
    """Store the view under its stamp and delete the ones it supersedes; the blob's size.
    `ahead`: inside a transaction still to commit, also announce it in the cache now."""
    blob = pack(view, artifact_key())
    counter, changed_at = view.version
    try:
        with transaction.atomic():
            CatalogArtifact.objects.create(
                version=counter, changed_at=changed_at, code=code_fingerprint(), blob=blob, size=len(blob),
                parts=len(view.index), build_seconds=build_seconds,
            )
    except IntegrityError:  # another worker published the same stamp first
        return len(blob)
    if ahead:
        _announce_ahead(view.version, blob)
    artifact_prune()
    return len(blob)


# A copy of the newest view published inside a transaction not yet committed (an import's),
# in the cache (Redis) — visible before the commit, unlike the row: web processes load it
# while the import finishes (configurator.catalog, "prepared"). Only a hint: without Redis,
# or for a stamp that never commits (an import rolled back), nothing matches it, and the
# row in the database stays the artifact of record.
AHEAD_STAMP = "corekit:catalog-view-ahead:stamp"
AHEAD_BLOB = "corekit:catalog-view-ahead:blob"
_AHEAD_SECONDS = 600


def _announce_ahead(version: tuple, blob: bytes) -> None:
    """A hint: whatever Redis answers (out of memory, a read-only replica, away), the row
    stored in the transaction stands and processes load it after the commit."""
    try:
        shared_cache.set(AHEAD_BLOB, blob, _AHEAD_SECONDS)  # the blob first: a reader checks its stamp
        shared_cache.set(AHEAD_STAMP, (*version, code_fingerprint()), _AHEAD_SECONDS)
    except Exception:
        logger.warning("catalog view %s: not announced ahead of its commit", version, exc_info=True)


def newest_ahead(counter: int) -> tuple | None:
    """The stamp of a view announced ahead of its commit, newer than `counter`, that this code
    can load; None (also with Redis away)."""
    announced = shared_cache.get(AHEAD_STAMP)
    if not announced or len(announced) != 3:
        return None
    version, changed_at, code = announced
    return (version, changed_at) if version > counter and code == code_fingerprint() else None


def ahead_load(version: tuple, *, pause=None):
    """The view announced ahead for `version` (None: gone, replaced by another, or refused)."""
    view = _unpacked(shared_cache.get(AHEAD_BLOB), version, pause=pause, what="catalog view announced ahead")
    return view if getattr(view, "version", None) == version else None  # replaced by a newer one


# Which web processes hold the view announced ahead of a stamp. Each web process that
# follows the catalog in the background keeps a record in the cache while it runs: its
# code and the newest stamp it holds, current or prepared (`web_heartbeat`, renewed every
# second, gone `_WEB_SECONDS` after its process stops). An import, last thing before its
# commit, waits until every live process of its code holds its view (`await_prepared`):
# the commit then finds every process ready to swap, and no process loads anything after
# it. Processes of other code never load the announced view, and are not waited for.
# Redis (the production cache): a key per process, and a set naming them; another cache
# backend is one process's own memory, and this process is all it knows.
WEB_PROCESSES = "corekit:catalog-web"
_WEB_SECONDS = 5
_local_records: dict[str, tuple[str, str, float]] = {}  # without Redis: id -> (code, held, until)


_process_token: tuple[int, str] | None = None  # (pid, token): a fork gets its own


def process_id() -> str:
    """This process, unique across hosts: containers often share a hostname, and their
    worker pids repeat."""
    global _process_token
    if _process_token is None or _process_token[0] != os.getpid():
        _process_token = (os.getpid(), secrets.token_hex(4))
    return f"{socket.gethostname()}:{os.getpid()}:{_process_token[1]}"


def _web_key(pid: str | None = None) -> str:
    """The cache key of the set naming the web processes, or of process `pid`'s record."""
    return shared_cache.make_key(WEB_PROCESSES if pid is None else f"{WEB_PROCESSES}:{pid}")


def _stamp_text(version: tuple | None) -> str:
    """A stamp as a heartbeat records it: its counter and time (a counter alone is reused
    by the change after an import that rolled back)."""
    if version is None:
        return "0:-"
    counter, changed_at = version
    return f"{counter}:{changed_at.isoformat() if changed_at else '-'}"


def web_heartbeat(held: tuple | None) -> None:
    """This web process is alive and holds the view of stamp `held` (current or prepared).
    A hint like the announcement: with Redis away, nobody waits for this process."""
    code, stamp = code_fingerprint(), _stamp_text(held)
    client = redis_client()
    if client is None:
        _local_records[process_id()] = (code, stamp, time.monotonic() + _WEB_SECONDS)
        return
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(_web_key(process_id()), f"{code} {stamp}", ex=_WEB_SECONDS)
        pipe.sadd(_web_key(), process_id())
        pipe.execute()
    except Exception:
        logger.warning("catalog view: heartbeat not recorded", exc_info=True)


def web_leave() -> None:
    """This process stops following the catalog (tests; a process that exits just expires)."""
    _local_records.pop(process_id(), None)
    client = redis_client()
    if client is not None:
        with suppress(Exception):
            client.delete(_web_key(process_id()))
            client.srem(_web_key(), process_id())


def web_processes() -> dict[str, tuple[str, str]]:
    """The live web processes: id -> (their code's fingerprint, the newest stamp they hold,
    as `_stamp_text` writes it)."""
    client = redis_client()
    if client is None:
        now = time.monotonic()
        return {pid: (code, held) for pid, (code, held, until) in list(_local_records.items()) if until > now}
    ids = sorted(i.decode() for i in client.smembers(_web_key()))
    records = client.mget([_web_key(i) for i in ids]) if ids else []
    live, gone = {}, []
    for pid, record in zip(ids, records, strict=True):
        if record is None:
            gone.append(pid)
            continue
        code, held = record.decode().split()
        live[pid] = (code, held)
    if gone:
        client.srem(_web_key(), *gone)
    return live


def await_prepared(version: tuple, *, timeout: float, poll: float = 0.05, on_wait=None) -> list[str]:
    """Wait until every live web process of this code holds the view of `version`, announced
    ahead of its commit; at most `timeout` seconds (`on_wait()`: called once, if it waits).
    The processes still without it (empty: all ready, or nothing to wait for: the view was
    not announced, Redis is away)."""
    if timeout <= 0:
        return []
    wanted = _stamp_text(version)
    deadline = time.monotonic() + timeout
    waiting: list[str] = []
    started, waited = time.monotonic(), False
    while True:
        try:
            if shared_cache.get(AHEAD_STAMP) != (*version, code_fingerprint()):
                return []  # not announced (or replaced): nobody is preparing it
            me = process_id()  # an import run in a web process's request: its own load waits for it
            waiting = [pid for pid, (code, held) in web_processes().items()
                       if code == code_fingerprint() and held != wanted and pid != me]
        except Exception:
            logger.warning("catalog view %s: readiness of the web processes unknown", version, exc_info=True)
            return []
        if not waiting:
            if waited:
                logger.info("catalog view %s: every web process holds it after %.1f s", version,
                            time.monotonic() - started)
            return []
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        if time.monotonic() >= deadline:
            logger.warning("catalog view %s: %d web process(es) still loading it after %.0f s, committing "
                           "anyway (they load it after the commit): %s", version, len(waiting), timeout,
                           ", ".join(waiting))
            return waiting
        time.sleep(poll)


def artifact_prune(keep: int | None = None) -> int:
    """Delete all but the `keep` newest artifacts (the current one and the one before it, by
    default: a process still loading the previous stamp finds it)."""
    keep = settings.COREKIT_CATALOG_ARTIFACTS_KEPT if keep is None else keep
    newest = list(CatalogArtifact.objects.order_by("-id").values_list("pk", flat=True)[:keep])
    deleted, _ = CatalogArtifact.objects.exclude(pk__in=newest).delete()
    return deleted


def publish_request(*, after_change: bool = False) -> None:
    """Ask a worker to publish the view of the current stamp (through the outbox, after commit).

    After a catalog change: unless a request not yet handed to the broker is waiting (it will
    read the newest stamp when it runs). From a process that found no artifact: unless any
    request is unfinished (the worker is on it, or the relay will hand it over again).
    """
    waiting = OutboxMessage.objects.filter(task=PUBLISH_TASK, completed_at__isnull=True)
    if after_change:
        waiting = waiting.filter(dispatched_at__isnull=True)
    if not waiting.exists():
        outbox.enqueue(PUBLISH_TASK)
