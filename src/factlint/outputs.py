"""Writing outputs safely: atomically, and never over an input file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from factlint.errors import UsageError


def refuse_inputs(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write where an input lives (also through a symlink)."""
    target = path.resolve()
    for item in inputs:
        if item.resolve() == target:
            raise UsageError(f"{path}: refusing to overwrite an input file")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over ``path``.

    A run killed half-way leaves the previous file intact.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
