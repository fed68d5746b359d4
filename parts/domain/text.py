"""Text a catalog row may hold: what its database column (or JSON document) can store.

A lone surrogate ("\\ud800", valid in a JSON string escape) cannot be encoded as UTF-8, and a
NUL cannot be stored in a PostgreSQL text column: either passed validation and failed at
the write, a 500 in the middle of an import. Names, companies, references and spec texts
are single-line labels, so control characters have no place in them either.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(text: str, *, max_length: int) -> str | None:
    """Why `text` (already stripped) cannot be stored as a label; None when it can."""
    if len(text) > max_length:
        return f"must be at most {max_length} characters"
    bad = _UNSTORABLE.search(text)
    if bad is not None:
        kind = "a surrogate code point (not Unicode text)" if "\ud800" <= bad[0] <= "\udfff" \
            else "a control character"
        return f"must not contain {kind}: U+{ord(bad[0]):04X} at position {bad.start() + 1}"
    return None
