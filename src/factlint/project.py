"""A factlint project on disk: ``facts/`` (sources, registries, fact tables) and ``checks/``.

Loading never writes anything and either returns a complete :class:`Project`
or raises an :class:`InputError` naming the file and place.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from factlint.cache import inputs_digest
from factlint.errors import ProjectError, TableError
from factlint.registry import Registries, id_key, load_registries
from factlint.tables import FILE_COLUMN, LINE_COLUMN, read_table_and_digest
from factlint.yamlio import decode_text, load_yaml_and_digest, read_text

FACT_COLUMNS = (
    "id", "source", "quote", "subject", "metric", "period", "value", "unit", "qualifier",
)
SOURCE_COLUMNS = ("id", "title", "publisher", "date", "url", "language")
SOURCES_FILE = "sources.csv"


@dataclass
class Project:
    root: Path
    facts: pd.DataFrame
    sources: pd.DataFrame
    source_texts: dict[str, str]
    registries: Registries
    inputs: dict[str, str] = field(default_factory=dict)
    """Relative path of every file read -> its SHA-256, for the report's fingerprint."""

    title: str | None = None
    """From ``factlint.yaml`` (``name:``); else the directory's name."""
    description: str | None = None

    @property
    def name(self) -> str:
        return self.title or self.root.resolve().name

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _directly_in_facts(inputs: Mapping[str, str]) -> dict[str, str]:
    """The inputs directly in ``facts/`` (not the source texts below it).

    A comprehension rather than a test function called per path: a project may
    have tens of thousands of source texts.
    """
    return {p: d for p, d in inputs.items() if p.startswith("facts/") and p.count("/") == 1}


def is_fact_table(path: str) -> bool:
    """Whether a project path (as in ``Project.inputs``) is a fact table's: a CSV file
    directly in ``facts/`` other than the sources table (as :func:`fact_table_paths`)."""
    return (path.startswith("facts/") and path.count("/") == 1 and path.endswith(".csv")
            and path != f"facts/{SOURCES_FILE}")


def facts_digest(inputs: Mapping[str, str]) -> str:
    """One digest of the files directly in ``facts/`` (fact tables, the sources table and
    the registries; not the source texts below it), from ``Project.inputs``: what every
    stated fact's row, and how it reads, depends on."""
    return inputs_digest(_directly_in_facts(inputs))


def vocabularies_digest(inputs: Mapping[str, str]) -> str:
    """One digest of the files directly in ``facts/`` besides the fact tables (the sources
    table and the registries), from ``Project.inputs``: what a fact row's checks and
    readings depend on besides the row itself, so that what is kept per table holds
    for as long as the table and this digest stay the same."""
    files = _directly_in_facts(inputs)
    return inputs_digest({p: d for p, d in files.items() if not is_fact_table(p)})


def file_runs(facts: pd.DataFrame, inputs: Mapping[str, str]) -> list[tuple[str, int]] | None:
    """Each run of consecutive rows read from one file, in row order, as the file's project
    path and the run's number of rows (a project's facts come table by table, one run
    each); None for no rows, or when a row's file is not one of ``inputs`` (by project
    path, as ``Project.inputs``).

    One comparison per row finds the runs: cheaper than hashing a million file names.
    """
    if FILE_COLUMN not in facts.columns or facts.empty:
        return None
    files = facts[FILE_COLUMN].to_numpy(dtype=object)
    starts = np.concatenate(([0], np.flatnonzero(files[1:] != files[:-1]) + 1))
    names = files[starts].tolist()
    if not all(isinstance(name, str) and name in inputs for name in names):
        return None
    counts = np.diff(np.append(starts, len(files))).tolist()
    return list(zip(names, counts, strict=True))


def check_source_ids(sources: pd.DataFrame, display: str) -> None:
    """Source ids name files (``facts/sources/<id>.txt``): plain, unique names only.

    An id such as ``../../secret`` would read a file outside the project into the
    report; ids equal after NFC and case folding would name the same file on a
    case-insensitive file system.
    """
    seen: dict[str, tuple[int, str]] = {}
    # lists, not Series: iterating a pandas column costs a microsecond per element
    for ident, line in zip(sources["id"].tolist(), sources[LINE_COLUMN].tolist(), strict=True):
        where = str(line)
        name = str(ident)
        if not name.strip():
            raise TableError(display, where, "a source id is empty; every source needs an id")
        if name != name.strip() or "/" in name or "\\" in name or name.startswith("."):
            raise TableError(
                display, where,
                f"source id {name!r} must be a plain file name (no slashes, no leading dot "
                "or spaces): it names facts/sources/<id>.txt",
            )
        key = id_key(name)
        if key in seen:
            other, spelt = seen[key]
            also = f"line {other}" if spelt == name else f"line {other} as `{spelt}`"
            raise TableError(display, where, f"source id `{name}` is listed twice (also on {also})")
        seen[key] = (int(line), name)


def _read_source(path: str, shown: str) -> tuple[str, str]:
    """A source's text and the SHA-256 of its bytes, reading the file once.

    A file that cannot be read goes through :func:`read_text`, which words the error.
    """
    try:
        data = _read_whole(path)
    except OSError:
        return read_text(Path(path), display=shown), file_digest(Path(path))
    return decode_text(data, shown), hashlib.sha256(data).hexdigest()


def _read_whole(path: str) -> bytes:
    """The bytes of a file, with the system calls alone: a file object costs more than
    reading a small file (a project may have tens of thousands of sources)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1)  # one byte more than the size finds the end
        if len(data) > size:  # the file grew since: read on to its end
            parts = [data]
            while part := os.read(handle, 1 << 20):
                parts.append(part)
            data = b"".join(parts)
    finally:
        os.close(handle)
    return data


def read_source_texts(
    facts_dir: Path, source_ids: Iterable[str], inputs: dict[str, str]
) -> dict[str, str]:
    """The text of every listed source that has a file ``facts/sources/<id>.txt``.

    Each file's digest goes into ``inputs``. The folder is listed once: a name
    listed as a regular file needs no ``stat`` of its own (a project may quote
    tens of thousands of sources); any other name is asked about as before.
    Paths are plain strings: ``pathlib`` costs more than reading a small file.
    """
    folder = facts_dir / "sources"
    try:
        with os.scandir(folder) as entries:
            listed = {entry.name for entry in entries if entry.is_file()}
    except OSError:
        listed = set()
    texts: dict[str, str] = {}
    base = os.fspath(folder)
    for source_id in source_ids:
        name = f"{source_id}.txt"  # a plain file name: check_source_ids made sure
        if name in listed or (folder / name).is_file():
            shown = f"{facts_dir.name}/sources/{name}"
            texts[source_id], inputs[shown] = _read_source(f"{base}/{name}", shown)
    return texts


def check_file_name(path: Path) -> None:
    """A name that is not valid UTF-8 cannot be shown in a report or a JSON file."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        raise ProjectError(path, None, "the name is not valid UTF-8 text; rename it") from None


def fact_table_paths(facts_dir: Path) -> list[Path]:
    """Every CSV directly under ``facts/`` except the sources table, in name order."""
    paths = sorted(p for p in facts_dir.glob("*.csv") if p.name != SOURCES_FILE and p.is_file())
    for path in paths:
        check_file_name(path)
    return paths


PROJECT_FILE = "factlint.yaml"


def _settings(root: Path, inputs: dict[str, str]) -> tuple[str | None, str | None]:
    """The optional ``factlint.yaml``: the project's display name and description."""
    path = root / PROJECT_FILE
    if not path.is_file():
        return None, None
    data, digest = load_yaml_and_digest(path)
    if data is None:
        return None, None
    if not isinstance(data, dict):
        raise ProjectError(PROJECT_FILE, None, "expected a mapping with `name` and `description`")
    for key, value in data.items():
        if key not in ("name", "description"):
            raise ProjectError(PROJECT_FILE, str(key), "unknown key; expected name, description")
        if not isinstance(value, str) or not value.strip():
            raise ProjectError(PROJECT_FILE, str(key), "expected a non-empty string")
    inputs[PROJECT_FILE] = digest
    return data.get("name"), data.get("description")


def load_project(root: Path) -> Project:
    """Read a project directory; raise :class:`ProjectError` if it is not one."""
    if not root.exists():
        raise ProjectError(root, None, "project directory not found")
    if not root.is_dir():
        raise ProjectError(root, None, "expected a project directory holding facts/ and checks/")
    facts_dir = root / "facts"
    if not facts_dir.is_dir():
        raise ProjectError(
            facts_dir, None, "no facts/ directory; a project holds facts/ and checks/"
        )
    check_file_name(root.resolve())  # the project's name heads every report

    def rel(p: Path) -> str:
        return p.relative_to(root).as_posix()

    inputs: dict[str, str] = {}
    sources_path = facts_dir / SOURCES_FILE
    if not sources_path.is_file():
        raise ProjectError(rel(sources_path), None, "missing sources table")
    sources, inputs[rel(sources_path)] = read_table_and_digest(
        sources_path, required=SOURCE_COLUMNS, display=rel(sources_path)
    )
    check_source_ids(sources, rel(sources_path))

    registries = load_registries(facts_dir, inputs=inputs)

    texts = read_source_texts(facts_dir, sources["id"].tolist(), inputs)

    tables = []
    for path in fact_table_paths(facts_dir):
        table, inputs[rel(path)] = read_table_and_digest(
            path, required=FACT_COLUMNS, display=rel(path)
        )
        tables.append(table)
    if not tables:
        raise ProjectError(rel(facts_dir), None, "no fact tables (*.csv besides sources.csv)")
    facts = pd.concat(tables, ignore_index=True, sort=False)
    # a table's cells are never missing (read_table reads every row at full width); only
    # the columns some table lacks have gaps after the concatenation, empty text for them
    gaps = [c for c in facts.columns if c != LINE_COLUMN and any(c not in t for t in tables)]
    if gaps:
        facts[gaps] = facts[gaps].fillna("")
    title, description = _settings(root, inputs)
    return Project(
        title=title,
        description=description,
        root=root,
        facts=facts,
        sources=sources,
        source_texts=texts,
        registries=registries,
        inputs=inputs,
    )
