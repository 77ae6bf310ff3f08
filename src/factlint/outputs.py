"""Writing outputs safely: atomically, and never over an input file.

An output is written to a hidden temporary file beside its target, flushed
to disk and renamed over the target (``os.replace``), so a reader -- or a run
killed at any moment -- sees the previous file or the new complete one, never
a truncated mix. A run killed with SIGKILL may leave its temporary file
(``.NAME.XXXX.tmp``) behind; the target itself is intact.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from factlint.errors import UsageError


def refuse_inputs(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse to write where an input lives (also through a symlink or a hard link).

    The path is resolved first (``reports/../checks/rules.yaml`` names a rule
    file even while ``reports/`` does not exist). A path that does not exist
    yet holds no input; one that does is compared by device and inode with
    every input: one ``stat`` each, which a project of 12,000 source files can
    afford on every run.
    """
    try:
        target = os.stat(path.resolve())
    except OSError:
        return
    for item in inputs:
        try:
            found = os.stat(item)
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino):
            raise UsageError(f"{path}: refusing to overwrite an input file")


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, or 0666 less umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over ``path``.

    A run killed half-way leaves the previous file intact. A target that is a
    directory or cannot be written is a :class:`UsageError` naming it.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give a file name to write")
    try:
        # mkstemp makes 0600 files; a report is as readable as any file
        replace_file(path, payload, mode=_file_mode(path), durable=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    _sync_directory(path.parent)


def replace_file(path: Path, payload: bytes, *, mode: int | None, durable: bool) -> None:
    """Write ``payload`` to a temporary file beside ``path``, then rename it over ``path``.

    ``durable`` flushes the data to disk before the rename; ``mode`` is given to the
    file (None: mkstemp's private 0600). The temporary file is removed on any failure;
    an OSError is the caller's to word.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every system can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
