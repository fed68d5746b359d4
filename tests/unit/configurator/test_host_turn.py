"""The web processes of one host load a new catalog view one at a time (a lock file)."""

from __future__ import annotations

import os
import threading
from types import SimpleNamespace

from configurator import catalog


def test_one_loader_at_a_time_and_reset_interrupts_the_wait(settings, tmp_path):
    settings.COREKIT_CATALOG_LOAD_LOCK_DIR = str(tmp_path)
    holding, release = threading.Event(), threading.Event()
    events: list[str] = []

    def first():
        with catalog._host_turn(True) as turn:
            assert turn
            events.append("first in")
            holding.set()
            release.wait(10)
            events.append("first out")

    def second():
        with catalog._host_turn(True) as turn:
            events.append(f"second in ({turn})")

    a = threading.Thread(target=first)
    a.start()
    assert holding.wait(10)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.3)  # the second waits for its turn
    assert b.is_alive() and events == ["first in"]
    release.set()
    a.join(10)
    b.join(10)
    assert events == ["first in", "first out", "second in (True)"]
    assert len(list(tmp_path.iterdir())) == 1  # one lock file for the database

    # reset() while a process waits for its turn: it gives up (no view loaded).
    holding.clear()
    release.clear()
    events.clear()
    a = threading.Thread(target=first)
    a.start()
    assert holding.wait(10)
    b = threading.Thread(target=second)
    b.start()
    catalog._stop.set()
    try:
        b.join(10)
        assert events == ["first in", "second in (False)"]
    finally:
        catalog._stop.clear()
        release.set()
        a.join(10)


def test_without_a_folder_or_a_previous_view_there_are_no_turns(settings, tmp_path):
    settings.COREKIT_CATALOG_LOAD_LOCK_DIR = ""
    with catalog._host_turn(True) as turn:
        assert turn
    settings.COREKIT_CATALOG_LOAD_LOCK_DIR = str(tmp_path)
    with catalog._host_turn(False) as turn:  # a process's first view: never waits
        assert turn
    assert not list(tmp_path.iterdir())


def test_the_old_view_waits_for_the_first_answers_from_the_new_one():
    """After a swap, the old view is released once two requests have been answered (the
    first ones on the new view run with no background work in their process), or 2 s."""
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (catalog._after_answers(2, at_most=10), done.set()))
    waiter.start()
    with catalog.answering():
        pass
    assert not done.wait(0.1)  # one answer is not enough
    with catalog.answering():
        pass
    assert done.wait(5)
    waiter.join(5)
    started = threading.Event()
    # Nobody asks: it gives up after `at_most`.
    lonely = threading.Thread(target=lambda: (started.set(), catalog._after_answers(1, at_most=0.05)))
    lonely.start()
    assert started.wait(5)
    lonely.join(5)
    assert not lonely.is_alive()


def test_a_refresh_starts_its_work_once_the_request_that_noticed_the_change_is_answered(
        monkeypatch):
    """Its first steps (a database connection of its own, the stamp) used to run beside the
    request that started it, taking the interpreter lock from it."""
    asked = threading.Event()

    def stamp():
        asked.set()
        raise RuntimeError("enough")  # the refresh logs it and ends

    monkeypatch.setattr(catalog, "catalog_version", stamp)
    monkeypatch.setattr(catalog, "_current", object())  # a view to answer from meanwhile
    with catalog.answering():
        refresh = threading.Thread(target=catalog._refresh, args=(catalog._generation,))
        refresh.start()
        assert not asked.wait(0.2)  # nothing while the request runs
    assert asked.wait(5)
    refresh.join(5)
    assert not refresh.is_alive()


def test_a_background_refresh_loads_at_a_lower_priority_than_the_requests(monkeypatch, settings):
    """Its second of CPU yields the cores to the requests of every process of the host (and
    to the database they wait on); the threads answering requests keep their priority."""
    settings.COREKIT_CATALOG_LOAD_LOCK_DIR = ""
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []

    def load(version, **kwargs):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return None  # nothing published: the refresh ends

    monkeypatch.setattr(catalog, "catalog_version", lambda **kwargs: (2, None))
    monkeypatch.setattr(catalog, "_current", SimpleNamespace(version=(1, None)))
    monkeypatch.setattr(catalog, "_obtain", load)
    for nice, expected in ((10, max(ours, 10)), (0, ours)):
        settings.COREKIT_CATALOG_REFRESH_NICE = nice
        refresh = threading.Thread(target=catalog._refresh, args=(catalog._generation,))
        refresh.start()
        refresh.join(10)
        assert seen.pop() == expected
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == ours
