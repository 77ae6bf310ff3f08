"""Great Expectations (GX Core 1.x) suites run against factlint's fact tables.

A project may keep GX suites as JSON under ``checks/gx/``; ``factlint check``
runs each against the table its metadata names (``facts``: the fact tables as
written; ``normalised``: the same rows with factlint's intervals, base units and
parsed periods) and turns every failed expectation into a finding (FL080).
``factlint gx docs`` builds GX Data Docs; ``factlint gx export`` writes a suite
derived from factlint's own schema and constant bounds.

Great Expectations takes seconds to import, so this package's ``__init__`` and
the modules that read suite files, build the frames and post-process HTML
(:mod:`~factlint.gx.spec`, :mod:`~factlint.gx.frames`,
:mod:`~factlint.gx.offline`) never import it; only :mod:`~factlint.gx.session`
does, and only when a suite or a ``gx`` command is used.
"""

from __future__ import annotations

GX_DIR = "checks/gx"
"""Where a project keeps its GX suites (``*.json``), relative to the project root."""

CODES: dict[str, str] = {
    "FL080": (
        "GX expectation failed: a Great Expectations expectation of a suite under checks/gx/ "
        "does not hold.\n\n"
        "Why: a team may already describe its data with GX suites; factlint runs them against "
        "the fact tables (`facts`) or its normalised table (`normalised`: intervals, base units, "
        "parsed periods) and reports each failed expectation with the ids of the unexpected "
        "facts, the file and line of the first, and a few unexpected values. The rule id is "
        "`gx:<suite name>`, so waivers and baselines work as for any rule; the severity comes "
        "from the suite's `meta.factlint.severity`, overridden by an expectation's "
        "`meta.severity`.\n\n"
        "Failing: expect_column_values_to_be_between(column=value_number, min_value=0, "
        "max_value=100, row_condition=is_share == True) with a share written as 120%.\n"
        "Passing: the same expectation with every share between 0% and 100%."
    ),
    "FL081": (
        "GX expectation could not run: Great Expectations raised an error while evaluating an "
        "expectation (for example a row_condition that does not apply to the data).\n\n"
        "Why: the other expectations still run, but this check is not done; the message gives "
        "GX's own error."
    ),
}
"""Docs of the GX codes, for ``factlint explain`` (merged into the built-in codes)."""

__all__ = ["CODES", "GX_DIR"]
