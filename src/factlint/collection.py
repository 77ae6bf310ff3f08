"""Pausing Python's cycle collector around work that makes millions of lasting objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cycle collector (reference counting still frees what is dropped).

    Reading a large registry or running the rules over a million facts makes millions
    of objects that are not garbage: each node and entry of a YAML file, the fact ids of
    every check. Each batch of new objects (700 at Python's defaults, 100,000 under the
    command line's thresholds) starts a collection that walks the young ones to free
    nothing, and every so often one walks the whole heap: most of the time of reading a
    registry of tens of thousands of entities at the defaults (bench/RESULTS.md has the
    numbers). At the end, every object then tracked, what outlives the work among them,
    is moved to the oldest generation (freeze, then unfreeze: two list splices), whose
    rare full collections walk it with the rest, rather than walked once more when
    collection resumes. The collector is left as it was found, on or off, after an error
    too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # nothing frozen by others, whom unfreeze would thaw
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


__all__ = ["collection_paused"]
