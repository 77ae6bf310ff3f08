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
code (JSON, ``.npy`` without pickles, and entries of plain arrays in a layout of
their own, described below) and written atomically; an entry that is missing,
unreadable or malformed is a miss, and a cache that cannot be written is skipped.
The cache never changes a result, only its cost.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
import struct
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from io import FileIO
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

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

        from factlint.arrays import sorted_unique

        try:
            keys = np.load(self._path(name), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return np.empty(0, dtype=np.uint64)
        if not isinstance(keys, np.ndarray) or keys.dtype != np.uint64 or keys.ndim != 1:
            return np.empty(0, dtype=np.uint64)
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            return sorted_unique(keys)  # written by something else: sort it rather than trust it
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

        from factlint.arrays import sorted_unique

        if len(fresh) == 0:
            return  # nothing learnt: a warm run writes nothing
        merged = sorted_unique(np.concatenate([known, fresh]))
        self.write_keys(name, merged if len(merged) <= MAX_KEYS else sorted_unique(fresh))

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
        """The named arrays of an entry :meth:`write_arrays` stored, or None when missing or
        malformed, or when ``key`` is given and the entry holds another (checked before the
        arrays are read: a stale entry costs its header, not its arrays)."""
        try:
            with open(self._path(name), "rb", buffering=0) as handle:
                return _read_entry(handle, key)
        except (OSError, ValueError, MemoryError):
            return None

    def entry_key(self, name: str) -> str | None:
        """The key an entry was stored for (None when missing, malformed or stored without)."""
        try:
            with open(self._path(name), "rb", buffering=0) as handle:
                header = _entry_header(handle)
        except (OSError, ValueError):
            return None
        return None if header is None else header.key

    def write_arrays(
        self,
        name: str,
        arrays: Mapping[str, np.ndarray],
        *,
        key: str | None = None,
        replaces: str = "",
    ) -> None:
        """Store ``arrays`` (and ``key``, which :meth:`read_arrays` then asks for) as the
        entry ``name``, then remove the other entries matching the pattern ``replaces``
        (the same place, older or made by other code)."""
        self._write(name, _entry_bytes(arrays, key))
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


def place_entry(kind: str, code: str, place: Path) -> tuple[str, str]:
    """The entry of arrays kept per place (a table file, a project directory) by code of
    generation ``code``, and a pattern of every entry of that place (older formats too):
    stored with ``replaces=`` the pattern, an edit or a new factlint replaces the entry
    rather than adding one."""
    where = hashlib.sha256(os.fsencode(place.resolve())).hexdigest()[:32]
    return f"{kind}-{code}-{where}{ARRAYS_SUFFIX}", f"{kind}-*-{where}.*"


# -- entries of arrays ---------------------------------------------------------------------
#
# One file per entry: a magic line, the header's length (4 bytes, little-endian), a JSON
# header {"key", "crc32", "arrays": [[name, dtype, shape], ...]}, then each array's bytes
# in that order, each starting at a multiple of _ALIGN. It is read with one read into one
# buffer that the arrays are views of (an .npz reads each member in chunks, checks its
# CRC and copies it: twice the time of reading the bytes), and trusted only as far as it
# checks out: dtypes of plain numbers (no objects, so nothing to unpickle), shapes that
# add up to exactly the file's size (so no claim larger than the file allocates memory),
# and the CRC-32 of everything after the header.

#: the name every entry of arrays ends with
ARRAYS_SUFFIX = ".arrays"
_MAGIC = b"\x93factlint arrays 1\n"
_HEADER_LENGTH = struct.Struct("<I")
_ALIGN = 64  # every array starts on a cache line, so the views are aligned for any dtype
_MAX_HEADER = 1 << 20
#: dtype kinds an entry may hold: booleans, integers, floats, complex, datetimes (not
#: objects, nor records and raw bytes, which may hold objects)
_PLAIN_KINDS = frozenset("biufcmM")


class _Header(NamedTuple):
    key: str | None
    crc32: int
    #: (name, dtype, shape, offset in the payload, bytes) per array
    arrays: list[tuple[str, np.dtype[Any], tuple[int, ...], int, int]]
    payload_start: int
    payload_size: int


def _padded(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN


def _entry_bytes(arrays: Mapping[str, np.ndarray], key: str | None) -> bytes:
    """An entry holding ``arrays`` (objects are refused, as an .npz without pickles)."""
    import zlib

    import numpy as np

    described: list[list[object]] = []
    parts: list[bytes | memoryview] = []
    checksum = 0
    for name, array in arrays.items():
        data = np.asarray(array, order="C")
        if data.dtype.kind not in _PLAIN_KINDS:
            raise ValueError(f"{name}: an entry holds plain numbers only, not {data.dtype}")
        described.append([name, data.dtype.str, list(data.shape)])
        raw = data.reshape(-1).view(np.uint8).data  # datetimes have no buffer of their own
        padding = bytes(_padded(len(raw)) - len(raw))
        checksum = zlib.crc32(padding, zlib.crc32(raw, checksum))
        parts += [raw, padding]
    header = json.dumps({"key": key, "crc32": checksum, "arrays": described}).encode()
    start = len(_MAGIC) + _HEADER_LENGTH.size + len(header)
    return b"".join(
        [_MAGIC, _HEADER_LENGTH.pack(len(header)), header, bytes(_padded(start) - start), *parts]
    )


def _entry_header(handle: FileIO) -> _Header | None:
    """The header of an entry, checked against the file's size; None if anything is off."""
    import numpy as np

    size = os.fstat(handle.fileno()).st_size
    lead = handle.read(len(_MAGIC) + _HEADER_LENGTH.size)
    if len(lead) != len(_MAGIC) + _HEADER_LENGTH.size or not lead.startswith(_MAGIC):
        return None  # another format (an .npz of older code), or cut short
    (length,) = _HEADER_LENGTH.unpack_from(lead, len(_MAGIC))
    if length > min(size, _MAX_HEADER):
        return None
    try:
        fields = json.loads(handle.read(length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not (
        isinstance(fields, dict) and set(fields) == {"key", "crc32", "arrays"}
        and (fields["key"] is None or isinstance(fields["key"], str))
        and _is_count(fields["crc32"]) and isinstance(fields["arrays"], list)
    ):
        return None
    payload_start = _padded(len(lead) + length)
    arrays, offset = [], 0
    for item in fields["arrays"]:
        if not (
            isinstance(item, list) and len(item) == 3
            and isinstance(item[0], str) and isinstance(item[1], str)
            and isinstance(item[2], list) and all(map(_is_count, item[2]))
        ):
            return None
        name, descr, shape = item[0], item[1], tuple(item[2])
        try:
            dtype = np.dtype(descr)
        except (TypeError, ValueError):
            return None
        if dtype.str != descr or dtype.kind not in _PLAIN_KINDS:
            return None  # objects would be unpickled, records may hold them: never read
        nbytes = math.prod(shape) * dtype.itemsize
        arrays.append((name, dtype, shape, offset, nbytes))
        offset += _padded(nbytes)
    if len({a[0] for a in arrays}) != len(arrays) or payload_start + offset != size:
        return None  # the shapes claim other than the file holds
    return _Header(fields["key"], fields["crc32"], arrays, payload_start, offset)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_entry(handle: FileIO, key: str | None) -> dict[str, np.ndarray] | None:
    """The arrays of an entry, views of one buffer read at once; None unless it checks out."""
    import zlib

    import numpy as np

    header = _entry_header(handle)
    if header is None or (key is not None and header.key != key):
        return None
    payload = np.empty(header.payload_size, dtype=np.uint8)
    handle.seek(header.payload_start)
    view, done = payload.data, 0
    while done < header.payload_size:
        got = handle.readinto(view[done:])
        if not got:
            return None  # cut short since its size was taken
        done += got
    if zlib.crc32(view) != header.crc32:
        return None  # damaged
    return {
        name: payload[offset:offset + nbytes].view(dtype).reshape(shape)
        for name, dtype, shape, offset, nbytes in header.arrays
    }


def text_array(text: str) -> np.ndarray:
    """Text as an array an entry can hold (its UTF-8 bytes)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(octets: object) -> str | None:
    """The text :func:`text_array` stored, or None for anything else."""
    import numpy as np

    if not (isinstance(octets, np.ndarray) and octets.dtype == np.uint8 and octets.ndim == 1):
        return None
    try:
        # decoded from the array's memory: a copy of its bytes first costs as much again
        return str(np.ascontiguousarray(octets).data, "utf-8")
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
