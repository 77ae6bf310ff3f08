"""The one place that imports Great Expectations: a quiet, ephemeral GX session.

GX is imported here, on first use, with its analytics switched off
(``GX_ANALYTICS_ENABLED=false`` is set before the import). The context is
ephemeral (nothing is written under the project: no ``gx/`` directory, no
stores on disk); progress bars are off; GX's prints, warnings and log records
are kept out of factlint's stdout and stderr, so ``--format json`` stays
parseable.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pandas as pd

from factlint.errors import RuleSetError
from factlint.gx.frames import INDEX_COLUMNS
from factlint.gx.results import INDEX_META
from factlint.gx.spec import ExpectationSpec, SuiteSpec

DATASOURCE = "factlint"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep GX's chatter (prints, warnings, log records) off factlint's streams."""
    logger = logging.getLogger("great_expectations")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def import_gx() -> ModuleType:
    """Import great_expectations with analytics off (the env var must precede the import)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with quiet():
        import great_expectations

    return great_expectations


RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": list(INDEX_COLUMNS),
}


@dataclass
class Session:
    """An ephemeral GX context with one pandas data source holding one asset per table."""

    gx: ModuleType
    context: Any
    datasource: Any
    batch_definitions: dict[str, Any] = field(default_factory=dict)

    def batch_definition(self, name: str) -> Any:
        if name not in self.batch_definitions:
            with quiet():
                asset = self.datasource.add_dataframe_asset(name)
                self.batch_definitions[name] = asset.add_batch_definition_whole_dataframe(
                    "whole table"
                )
        return self.batch_definitions[name]

    def suite(self, spec: SuiteSpec) -> Any:
        """Build the GX suite; an expectation GX rejects is an input error naming it."""
        with quiet():
            suite = self.gx.ExpectationSuite(name=spec.name, notes=spec.notes)
            for exp in spec.expectations:
                suite.add_expectation(self.expectation(exp, spec.file))
            return suite

    def expectation(self, exp: ExpectationSpec, file: str) -> Any:
        from great_expectations.exceptions.exceptions import ExpectationNotFoundError
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        try:
            # results come back in no fixed order: the index in meta ties each to its expectation
            config = {**exp.config, "meta": {**exp.config["meta"], INDEX_META: exp.index}}
            with quiet():
                return ExpectationConfiguration(**config).to_domain_obj()
        except ExpectationNotFoundError:
            raise RuleSetError(
                file, exp.where, f"unknown expectation type `{exp.type}` (not in GX Core 1.x)"
            ) from None
        except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError, GX's config errors
            raise RuleSetError(file, exp.where, _first_error(exc)) from None

    def validate_suite(self, suite: Any, spec: SuiteSpec, frame: pd.DataFrame) -> dict[str, Any]:
        """Validate ``frame`` (the suite's table); GX's result as a JSON-ready dict."""
        with quiet():
            batch = self.batch_definition(asset_name(spec)).get_batch(
                batch_parameters={"dataframe": frame}
            )
            result = batch.validate(suite, result_format=RESULT_FORMAT)
            out: dict[str, Any] = result.to_json_dict()
        return out


def asset_name(spec: SuiteSpec) -> str:
    """One GX data asset per table a suite can target."""
    return f"{spec.table}+derived" if spec.include_derived else spec.table


def _first_error(exc: Exception) -> str:
    """Pydantic's first complaint in one line (``min_value: value is not a valid float``)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
            message = str(first.get("msg", exc))
            return f"kwargs.{loc}: {message}" if loc else message
        except (IndexError, TypeError, KeyError):
            pass
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def open_session() -> Session:
    """A new ephemeral context (nothing is written to disk) with progress bars off."""
    gx = import_gx()
    with quiet():
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        datasource = context.data_sources.add_pandas(DATASOURCE)
    return Session(gx=gx, context=context, datasource=datasource)


__all__ = ["RESULT_FORMAT", "asset_name", "Session", "import_gx", "open_session", "quiet"]
