"""Shared fixtures: a small project built in a temp dir, and a copy of the bundled FTZ base."""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from factlint.cache import Cache

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Path(__file__).parent / "rules" / "registry"

MINI_SOURCE = (
    "In the first half of 2024, the actual use of foreign capital in the 3 zones reached "
    "103.96 billion yuan, and the total value of imports and exports reached 4.1 trillion yuan. "
    "Covering less than 0.4% of the country\u2019s land, the zones attracted 20.8% of its "
    "foreign investment.\n"
)

MINI_FACTS = """id,source,quote,subject,metric,period,value,unit,qualifier,note
amt,src,the actual use of foreign capital in the 3 zones reached 103.96 billion yuan,zones,amount,2024-H1,103.96,billion yuan,exact,
trade,src,the total value of imports and exports reached 4.1 trillion yuan,zones,trade,2024-H1,4.1,trillion yuan,exact,
share,src,the zones attracted 20.8% of its foreign investment,zones,amount_share,2024-H1,20.8,percent,exact,
land,src,"Covering less than 0.4% of the country's land",zones,area_share,2024-H1,0.4,percent,less_than,curly apostrophe in the source
count,src,in the 3 zones,zones,zone_count,2024-H1,3,count,exact,
"""


def write_mini_project(root: Path) -> Path:
    facts = root / "facts"
    (facts / "sources").mkdir(parents=True)
    (root / "checks").mkdir()
    for name in ("units.yaml", "metrics.yaml", "entities.yaml"):
        shutil.copy(REGISTRY / name, facts / name)
    (facts / "sources.csv").write_text(
        "id,title,publisher,date,url,language\n"
        "src,A test release,Test ministry,2024-09-10,https://example.org/release,en\n",
        encoding="utf-8",
    )
    (facts / "sources" / "src.txt").write_text(MINI_SOURCE, encoding="utf-8")
    (facts / "table.csv").write_text(MINI_FACTS, encoding="utf-8")
    return root


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests run keep their cache in a temp dir, not the user's ~/.cache."""
    os.environ["FACTLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("factlint-cache"))


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    return write_mini_project(tmp_path / "mini")


@pytest.fixture
def bundled_project(tmp_path: Path) -> Path:
    """A copy of the bundled FTZ project, safe to edit."""
    dest = tmp_path / "ftz"
    shutil.copytree(ROOT / "facts", dest / "facts")
    shutil.copytree(ROOT / "checks", dest / "checks")
    return dest


def rewrite_entry(store: Cache, name: str, change: Callable[[dict[str, np.ndarray]], object]) -> None:
    """Read the cache entry of arrays ``name``, apply ``change`` to its arrays, store them
    back for the same key (so that only the change can make it miss)."""
    key = store.entry_key(name)
    arrays = store.read_arrays(name, key=key)
    assert key is not None and arrays is not None
    change(arrays)
    store.write_arrays(name, arrays, key=key)


def forge_entry(path: Path, header: object, payload: bytes = b"") -> None:
    """Write ``path`` in the layout of an entry of arrays with any ``header`` (as JSON) and
    ``payload``: what another program, or a damaged disk, could leave in the cache."""
    from factlint.cache import _ALIGN, _HEADER_LENGTH, _MAGIC

    text = json.dumps(header).encode()
    start = len(_MAGIC) + _HEADER_LENGTH.size + len(text)
    path.write_bytes(
        _MAGIC + _HEADER_LENGTH.pack(len(text)) + text + bytes(-start % _ALIGN) + payload
    )


def entry_header(arrays: list[list[object]], payload: bytes, key: str | None = None) -> dict[str, object]:
    """A header describing ``arrays`` ([name, dtype, shape] each) with the right checksum."""
    return {"key": key, "crc32": zlib.crc32(payload), "arrays": arrays}
