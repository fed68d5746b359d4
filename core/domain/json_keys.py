"""JSON objects that give a key twice: refused, not read as the last value given.

Python's parser keeps the last value of a repeated key without a word, so a catalog part
with two `lead_time_days`, or a request with two `sourcing_policy`, was read as whichever
came last. Pure standard library: the catalog format (parts.domain) and the API's parser
(core.api) both use it.
"""

from __future__ import annotations

from typing import Any


class KeyGivenTwice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} is given twice in one object")
        self.key = key


def each_key_once(pairs: list[tuple[str, Any]]) -> dict:
    """An `object_pairs_hook`: the object as a dict, or KeyGivenTwice naming the first repeat."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        raise KeyGivenTwice(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return document
