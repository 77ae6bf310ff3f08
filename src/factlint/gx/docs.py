"""``factlint gx docs``: GX Data Docs for a project's suites, readable offline.

Each suite is validated through a GX ValidationDefinition (its result stored in
the context's validation results store) in an ephemeral context whose only
file-backed part is one Data Docs site, built by ``context.build_data_docs()``
in a temporary directory beside the output and moved into place when complete.
Unexpected values are HTML-escaped before rendering (GX does not escape them).
GX's pages load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from
CDNs; :mod:`factlint.gx.offline` then rewrites them so they render without a
network (see docs/gx.md).
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import tempfile
from pathlib import Path
from typing import Any

from factlint.errors import UsageError
from factlint.gx.frames import ProjectFrames, project_frames
from factlint.gx.offline import make_offline
from factlint.gx.runner import checked_suites
from factlint.gx.session import RESULT_FORMAT, asset_name, open_session, quiet
from factlint.gx.spec import SuiteSpec, load_suites

SITE = "factlint"
MARKER = ".factlint-gx-docs"
"""A file in every Data Docs directory factlint writes: only such a directory is replaced."""


def _refuse(output: Path, root: Path) -> None:
    target = output.resolve()
    for inside in ("facts", "checks"):
        guarded = (root / inside).resolve()
        if target == guarded or target.is_relative_to(guarded):
            raise UsageError(f"{output}: refusing to write Data Docs into the project's {inside}/")
    if target == root.resolve():
        raise UsageError(f"{output}: refusing to replace the project directory")
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: exists and is not a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise UsageError(
            f"{output}: not empty and not written by `factlint gx docs`; choose another directory"
        )


def build_data_docs(root: Path, output: Path, *, run_time: dt.datetime) -> tuple[Path, int]:
    """Validate every suite and write Data Docs to ``output``; return index.html and suite count."""
    _refuse(output, root)
    suites = load_suites(root)
    if not suites:
        raise UsageError(f"{root / 'checks' / 'gx'}: no GX suites (*.json) to document")
    frames = project_frames(root)
    suites = checked_suites(suites, frames)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        _build(staging, suites, frames, run_time)
        make_offline(staging)
        (staging / MARKER).write_text(
            "Data Docs written by `factlint gx docs`; "
            "the whole directory is replaced on rebuild.\n",
            encoding="utf-8",
        )
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return output / "index.html", len(suites)


def _build(
    site_dir: Path, suites: list[SuiteSpec], frames: ProjectFrames, run_time: dt.datetime
) -> None:
    session = open_session()
    gx = session.gx
    with quiet():
        from great_expectations.core.run_identifier import RunIdentifier

        session.context.add_data_docs_site(
            SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "show_how_to_buttons": False,
            },
        )
    built = [session.suite(spec) for spec in suites]
    context = session.context
    for spec, suite in zip(suites, built, strict=True):
        frame = frames.frame(spec.table, include_derived=spec.include_derived)
        with quiet():
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=spec.name,
                    data=session.batch_definition(asset_name(spec)),
                    suite=context.suites.add(suite),
                )
            )
            definition.run(
                batch_parameters={"dataframe": frame},
                result_format=RESULT_FORMAT,
                run_id=RunIdentifier(run_name="factlint", run_time=run_time),
            )
    with quiet():
        store = context.validation_results_store
        for key in store.list_keys():
            result = store.get(key)
            for outcome in result.results:
                outcome.result = escape_values(outcome.result)
                outcome.exception_info = escape_values(outcome.exception_info)
            store.set(key, result)
        context.build_data_docs(site_names=[SITE])


def escape_values(value: Any) -> Any:
    """Every string in a GX result, HTML-escaped.

    GX renders unexpected values into Data Docs without escaping them (its page
    templates are not autoescaped), so a fact whose id or quote holds markup
    would be live HTML in the docs. Escaped here, they show as the text they are.
    """
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {k: escape_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(escape_values(v) for v in value)
    return value


__all__ = ["MARKER", "build_data_docs", "escape_values"]
