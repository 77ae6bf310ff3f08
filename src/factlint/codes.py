"""Codes of the built-in checks (schema, provenance, engine, waivers) and their docs.

Rule kinds document themselves (their ``check`` docstring); these are the
codes that are not rule kinds. Codes are stable and never reused.
"""

from __future__ import annotations

from factlint.schema import SCHEMA_CHECKS

_SCHEMA_WHY = (
    "Why: a fact that does not fit the schema cannot be read reliably, so every rule skips it; "
    "the finding names the file, line and column so it can be fixed at once."
)

BUILTIN: dict[str, str] = {
    code: f"Schema: `{column}` must be {expected}.\n\n{_SCHEMA_WHY}"
    for code, (column, expected) in SCHEMA_CHECKS.items()
}
BUILTIN.update(
    {
        "FL020": (
            "Provenance: the source of a fact has no text file.\n\n"
            "Why: a quote can only be trusted when it can be found in its source; add the source's "
            "text as facts/sources/<id>.txt."
        ),
        "FL021": (
            "Provenance: a fact's quote does not occur in its source.\n\n"
            "Why: the quote is the evidence. Only whitespace and straight vs curly quotes are "
            "forgiven; any other difference means the quote was edited or the source changed.\n\n"
            "Failing: quote 'attracted 20.9% of the country' where the source says 20.8%.\n"
            "Passing: the quote copied verbatim from the source."
        ),
        "FL022": (
            "Provenance: the figure in the quote is not the fact's value, unit and qualifier.\n\n"
            "Why: a row whose value was changed without its quote (or whose unit or qualifier was "
            "misread: 'less than 0.4%' is not 'exactly 0.4%') no longer says what its source "
            "says.\n\n"
            "Failing: value 103.97 with the quote '... reached 103.96 billion yuan'.\n"
            "Passing: value 103.96, unit `billion yuan`, qualifier `exact`."
        ),
        "FL050": (
            "Dead rule: a rule whose selectors match no fact.\n\n"
            "Why: a rule that checks nothing passes silently; usually a metric or id was renamed."
        ),
        "FL051": (
            "Rule error: a rule could not run (it crashed or its input cannot be evaluated).\n\n"
            "Why: the other rules still run, but this check is not done; the message says why."
        ),
        "FL061": (
            "Expired waiver: a waiver past its expiry date.\n\n"
            "Why: reviews go stale; an expired waiver waives nothing until it is reviewed again."
        ),
        "FL062": (
            "Unused waiver: a waiver that matches no finding.\n\n"
            "Why: the discrepancy it excused is gone or its facts changed; remove or update it."
        ),
        "FL070": (
            "Stale baseline entry: a finding recorded in the baseline (check --baseline) that "
            "this run no longer finds.\n\n"
            "Why: a baseline keeps known findings out of the gate so that only new ones fail it; "
            "an entry whose finding was fixed (or whose facts changed, which changes its "
            "fingerprint) only hides a future regression. Reported as info; write the baseline "
            "again (factlint baseline) to drop it.\n\n"
            "Failing: the baseline lists FL022 of `provenance` for `amt`; `amt` was corrected.\n"
            "Passing: every baseline entry matches a finding of the run."
        ),
    }
)

# GX findings (FL080, FL081); factlint.gx's package init does not import GX itself
from factlint.gx import CODES as GX_CODES  # noqa: E402

BUILTIN.update(GX_CODES)
