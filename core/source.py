"""A digest of some of the project's own source files.

What a stored artifact or a cached answer depends on: another version of that code (before
a deploy, or the other half of a rolling one) finds a different digest and never reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source_digest(names: Iterable[str], *, salt: bytes = b"") -> str:
    """SHA-256 (hex) over `salt`, then each named file, or every `.py` file under each named
    folder, in order: its path relative to the project and its bytes."""
    digest = hashlib.sha256(salt)
    for name in names:
        found = ROOT / name
        for path in sorted(found.rglob("*.py")) if found.is_dir() else [found]:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
