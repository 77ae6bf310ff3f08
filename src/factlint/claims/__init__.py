"""Editorial checks: the figures of a draft against the fact base, and facts proposed from a source.

* :class:`ClaimChecker` reads a draft (:func:`read_draft`: Markdown, plain text, HTML) and
  gives each figure a verdict: supported, contradicted, unsupported or ambiguous;
* :func:`extract_file` proposes candidate fact rows from a source document;
* ``python -m factlint.claims.recall`` says how many curated facts the extractor recovers.

Modules: ``drafts`` (text with line and column mapping), ``sentences`` (sentences, clauses,
tokens), ``figures`` (which numbers are claims), ``periods`` and ``lexicon`` (cues),
``reading``, ``metrics``, ``subjects`` and ``matching`` (metric, subject and period of a
figure), ``verdicts``, ``check``, ``report`` (text and JSON), ``view`` (HTML), ``extract``
and ``recall``.
"""

from factlint.claims.check import Claim, ClaimChecker
from factlint.claims.drafts import Draft, read_draft
from factlint.claims.extract import Candidate, extract_file, render_csv

__all__ = [
    "Candidate",
    "Claim",
    "ClaimChecker",
    "Draft",
    "extract_file",
    "read_draft",
    "render_csv",
]
