"""A cache of work that depends only on what input files say, so a re-run skips it.

Reading a registry of tens of thousands of entities and reading every figure
in half a million quotes take seconds that a pre-commit hook re-spends on
every run although almost nothing changed. Their results are kept here, keyed
by a digest of the input *and* of the code that produced them (the
:func:`generation`): an edited quote, a new factlint or a changed parser
simply misses.

The cache lives outside the project (``$FACTLINT_CACHE_DIR``, else
``$XDG_CACHE_HOME/factlint``, else ``~/.cache/factlint``). Never in the
repository: a pull request could otherwise ship an entry saying that a forged
quote states its figure. Entries are read only in formats that cannot run
code (JSON, and ``.npy`` and ``.npz`` without pickles) and written atomically; an entry
that is missing, unreadable or malformed is a miss, and a cache that cannot
be written is skipped. The cache never changes a result, only its cost.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy only when keys are read: yamlio imports this module
    import numpy as np

CACHE_ENV = "FACTLINT_CACHE_DIR"
#: the most row keys a key set keeps (8 bytes each): above it, only the latest run's
MAX_KEYS = 8_000_000
_DATE = "\x00date"  # YAML refuses NUL, so no document has this key
_DATETIME = "\x00datetime"


def default_directory() -> Path:
    """Where the command line keeps its cache unless told otherwise."""
    explicit = os.environ.get(CACHE_ENV, "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "factlint"


def inputs_digest(
    digests: Mapping[str, str], keep: Callable[[str], bool] | None = None
) -> str:
    """One digest of the inputs (project path -> SHA-256, as ``Project.inputs``) that
    ``keep`` selects (None: all): an entry keyed by it misses when any of them changes,
    and a report's fingerprint is that of all its inputs."""
    joined = hashlib.sha256()
    for path in sorted(p for p in digests if keep is None or keep(p)):
        joined.update(f"{path}\0{digests[path]}\n".encode("utf-8", "surrogatepass"))
    return joined.hexdigest()


@functools.cache
def generation(*modules: ModuleType, extra: str = "") -> str:
    """A digest of factlint's version, the source of the modules that compute an entry and
    ``extra`` (the versions of the libraries they use)."""
    from factlint import __version__

    digest = hashlib.sha256(f"{__version__}\n{extra}".encode())
    for module in modules:
        digest.update(module.__name__.encode())
        path = getattr(module, "__file__", None)
        if path:
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


class Cache:
    """A directory of entries; every method treats a failure as a miss."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / name

    def _write(self, name: str, payload: bytes) -> None:
        from factlint.outputs import replace_file

        try:
            # private (0600) and not synced: a lost entry is only recomputed
            replace_file(self._path(name), payload, mode=None, durable=False)
        except OSError:
            pass  # an unwritable cache costs time, never a result

    def read_keys(self, name: str) -> np.ndarray:
        """A sorted array of 64-bit keys (empty when missing or malformed)."""
        import numpy as np

        try:
            keys = np.load(self._path(name), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return np.empty(0, dtype=np.uint64)
        if not isinstance(keys, np.ndarray) or keys.dtype != np.uint64 or keys.ndim != 1:
            return np.empty(0, dtype=np.uint64)
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            return np.unique(keys)  # written by something else: sort it rather than trust it
        return keys

    def write_keys(self, name: str, keys: np.ndarray) -> None:
        import io

        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(keys, dtype=np.uint64), allow_pickle=False)
        self._write(name, buffer.getvalue())

    def add_keys(self, name: str, known: np.ndarray, fresh: np.ndarray) -> None:
        """Store sorted ``known`` ∪ ``fresh`` (only ``fresh`` past :data:`MAX_KEYS`)."""
        import numpy as np

        if len(fresh) == 0:
            return  # nothing learnt: a warm run writes nothing
        merged = np.unique(np.concatenate([known, fresh]))
        self.write_keys(name, merged if len(merged) <= MAX_KEYS else np.unique(fresh))

    @staticmethod
    def contains(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Which of ``keys`` are in the sorted array ``known`` (a binary search each)."""
        import numpy as np

        if len(known) == 0:
            return np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        found: np.ndarray = known[at] == keys
        return found

    def read_arrays(self, name: str, *, key: str | None = None) -> dict[str, np.ndarray] | None:
        """The named arrays of an ``.npz`` entry, or None when missing or malformed, or
        when ``key`` is given and the entry holds another (checked before the rest is read:
        a stale entry costs its key, not its arrays)."""
        import zipfile

        import numpy as np

        path = self._path(name)
        try:
            size = path.stat().st_size
            with zipfile.ZipFile(path) as archive:
                members = archive.infolist()
            # write_arrays stores members uncompressed: a compressed one is not ours, and
            # could expand to more memory than the machine has
            if any(m.compress_type != zipfile.ZIP_STORED or m.file_size > size for m in members):
                return None
            stored = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):
            return None
        if not isinstance(stored, np.lib.npyio.NpzFile):
            return None  # a lone array, written by something else
        try:
            with stored:
                if key is not None and array_text(stored.get(_KEY)) != key:
                    return None
                return {member: stored[member] for member in stored.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, MemoryError):
            return None  # a member cut short, failing its checksum or claiming a vast shape

    def write_arrays(
        self,
        name: str,
        arrays: Mapping[str, np.ndarray],
        *,
        key: str | None = None,
        replaces: str = "",
    ) -> None:
        """Store ``arrays`` (and ``key``, which :meth:`read_arrays` then asks for) as the
        ``.npz`` entry ``name``, then remove the other entries matching the pattern
        ``replaces`` (the same place, older or made by other code)."""
        import io

        import numpy as np

        members = dict(arrays) if key is None else {**arrays, _KEY: text_array(key)}
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **members)  # not compressed: read speed matters
        self._write(name, buffer.getvalue())
        if replaces and self._path(name).is_file():
            for old in self.directory.glob(replaces):
                if old.name != name:
                    with suppress(OSError):
                        old.unlink()

    def read_json(self, name: str) -> Any:
        """The stored value, or None when missing or malformed."""
        try:
            text = self._path(name).read_text(encoding="utf-8")
            return json.loads(text, object_hook=_decode_dates)
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, value: Any) -> None:
        if not _fits_json(value):
            return  # keys that are not strings would come back as strings: not cached
        payload = json.dumps(value, default=_encode_dates, ensure_ascii=False)
        self._write(name, payload.encode("utf-8"))


_KEY = "key"  # the member of an .npz entry holding what it was stored for


def place_entry(kind: str, code: str, place: Path) -> tuple[str, str]:
    """The ``.npz`` entry of what is kept per place (a table file, a project directory)
    by code of generation ``code``, and a pattern of every entry of that place: stored
    with ``replaces=`` the pattern, an edit or a new factlint replaces the entry
    rather than adding one."""
    where = hashlib.sha256(os.fsencode(place.resolve())).hexdigest()[:32]
    return f"{kind}-{code}-{where}.npz", f"{kind}-*-{where}.npz"


def text_array(text: str) -> np.ndarray:
    """Text as an array an ``.npz`` entry can hold without pickles (its UTF-8 bytes)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(octets: object) -> str | None:
    """The text :func:`text_array` stored, or None for anything else."""
    import numpy as np

    if not (isinstance(octets, np.ndarray) and octets.dtype == np.uint8 and octets.ndim == 1):
        return None
    try:
        return octets.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


#: values JSON writes and reads back as they were (subclasses are looked at one by one)
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _fits_json(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(not isinstance(k, str) or k in (_DATE, _DATETIME) for k in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            # a list of plain values (a registry's long lists, the provenance keys of
            # passed tables) is vouched for by its types, gathered in C, not item by item
            if not _PLAIN_TYPES.issuperset(map(type, item)):
                stack.extend(item)
        elif not isinstance(item, (str, int, float, bool, dt.date)) and item is not None:
            return False
    return True


def _encode_dates(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    raise TypeError(type(value).__name__)


def _decode_dates(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1:
        if _DATE in mapping:
            return dt.date.fromisoformat(mapping[_DATE])
        if _DATETIME in mapping:
            return dt.datetime.fromisoformat(mapping[_DATETIME])
    return mapping


_CURRENT: ContextVar[Cache | None] = ContextVar("factlint_cache", default=None)


def current() -> Cache | None:
    """The cache of the running check, if it has one."""
    return _CURRENT.get()


@contextmanager
def using(cache: Cache | None) -> Iterator[None]:
    """Let the loaders and provenance of one run use ``cache`` (None: no cache)."""
    token = _CURRENT.set(cache)
    try:
        yield
    finally:
        _CURRENT.reset(token)


__all__ = [
    "CACHE_ENV", "Cache", "array_text", "current", "default_directory", "generation",
    "place_entry", "text_array", "using",
]
