"""``factlint claims``: every figure of a draft, what it is about, and the fact base's verdict.

The drafts under tests/drafts/ are written for these tests, as a journalist would paraphrase
the bundled sources: some figures right, some wrong (value, count, scale, metric, period),
some the fact base does not cover.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from factlint.claims.check import Claim, ClaimChecker
from factlint.claims.drafts import draft_from_text, read_draft
from factlint.claims.periods import period_cues
from factlint.commands.claims import run_claims_command
from factlint.errors import FactlintError, InputError, UsageError
from factlint.project import load_project

ROOT = Path(__file__).resolve().parents[1]
DRAFTS = Path(__file__).parent / "drafts"


@pytest.fixture(scope="module")
def checker() -> ClaimChecker:
    return ClaimChecker(load_project(ROOT))


def check(
    checker: ClaimChecker, text: str, kind: str = "markdown", as_of: str | None = None
) -> list[Claim]:
    draft = draft_from_text(Path(f"draft.{'md' if kind == 'markdown' else kind}"), text, kind)  # type: ignore[arg-type]
    return checker.check(draft, as_of=dt.date.fromisoformat(as_of) if as_of else None)


def claim(claims: list[Claim], text: str) -> Claim:
    found = [c for c in claims if c.text == text]
    assert found, f"no claim {text!r} in {[c.text for c in claims]}"
    return found[0]


def verdicts(claims: list[Claim]) -> dict[str, str]:
    return {c.text: c.verdict for c in claims}


# -- supported claims, Markdown with front matter -------------------------------------------


def test_markdown_draft_with_front_matter_is_supported_throughout(checker: ClaimChecker) -> None:
    draft = read_draft(DRAFTS / "ftz-midyear.md")
    assert draft.date == dt.date(2024, 9, 12)
    claims = checker.check(draft)
    assert [c.verdict for c in claims] == ["supported"] * len(claims)
    assert {c.text for c in claims} >= {
        "22",
        "103.96 billion yuan",
        "4.1 trillion yuan",
        "less than 0.4%",
        "20.8%",
        "19.5%",
        "21",
        "222.52 billion yuan",
        "18.1%",
    }
    fdi = claim(claims, "103.96 billion yuan")
    assert (fdi.metric, fdi.subject, fdi.period) == ("fdi_actual_use", "ftz-all", "2024-H1")
    assert fdi.facts == ["scio24-ftz-fdi-2024h1"]
    share = claim(claims, "20.8%")
    assert share.metric == "fdi_actual_use_share" and share.subject == "ftz-all"


def test_positions_point_into_the_file(checker: ClaimChecker) -> None:
    path = DRAFTS / "ftz-midyear.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    for c in checker.check(read_draft(path)):
        line = lines[c.line - 1]
        assert line[c.column - 1 :].startswith(c.text.split()[0]), (c.text, line)


# -- contradicted: value, count, scale, metric, period ----------------------------------------


@pytest.fixture(scope="module")
def errors(checker: ClaimChecker) -> list[Claim]:
    return checker.check(read_draft(DRAFTS / "ftz-errors.txt"), as_of=dt.date(2024, 9, 12))


def test_wrong_count_is_contradicted(errors: list[Claim]) -> None:
    c = claim(errors, "23")
    assert c.verdict == "contradicted" and c.metric == "zone_count"
    assert "22" in c.reason and "scio24-ftz-count-2024h1" in c.facts


def test_scale_error_is_contradicted(errors: list[Claim]) -> None:
    c = claim(errors, "103.96 million yuan")
    assert c.verdict == "contradicted"
    assert "scale error" in c.reason and c.facts == ["scio24-ftz-fdi-2024h1"]


def test_share_of_one_metric_attributed_to_another_is_contradicted(errors: list[Claim]) -> None:
    c = claim(errors, "20.8%")
    assert (c.metric, c.verdict) == ("trade_total_share", "contradicted")
    assert c.facts == ["scio24-ftz-trade-share-2024h1"]  # 19.5%, never the FDI share
    assert "19.5%" in c.reason and "fdi_actual_use_share" in c.reason


def test_wrong_period_is_contradicted(errors: list[Claim]) -> None:
    c = claim(errors, "222.52 billion yuan")
    assert (c.period, c.verdict) == ("2023", "contradicted")
    assert "2022" in c.reason and c.facts == ["scio23-ftz-fdi-2022"]


def test_wrong_value_is_contradicted_by_the_latest_fact(errors: list[Claim]) -> None:
    c = claim(errors, "129.9 square kilometres")
    assert (c.subject, c.verdict) == ("ftz-tianjin", "contradicted")
    assert "119.9" in c.reason


def test_unsupported_and_supported_beside_errors(errors: list[Claim]) -> None:
    v = verdicts(errors)
    assert v["12%"] == "unsupported"
    for ok in (
        "4.1 trillion yuan",
        "120.72 square kilometres",
        "119.99 square kilometres",
        "42.07 trillion yuan",
        "7.7 percent",
        "fell 15.2%",
        "423.2 billion yuan",
    ):
        assert v[ok] == "supported", ok
    assert claim(errors, "fell 15.2%").value == "-15.2"


def test_a_contradicted_claim_is_never_supported(checker: ClaimChecker) -> None:
    """Each wrong figure, alone in a sentence that otherwise reads right."""
    wrong = [
        "In the first half of 2024 the 22 pilot FTZs drew 113.96 billion yuan of foreign capital.",
        "In the first half of 2024 the 22 pilot FTZs drew 103.96 million yuan of foreign capital.",
        "In the first half of 2024 the pilot FTZs took 20.8% of national imports and exports.",
        "In the first half of 2024 the pilot FTZs took 19.5% of China's foreign investment.",
        "In 2022 the 22 pilot free trade zones used 222.52 billion yuan of foreign capital.",
        "In 2023 the 21 pilot free trade zones used 222.52 billion yuan of foreign capital.",
        "In 2022 the 21 pilot free trade zones used 222.52 trillion yuan of foreign capital.",
        "In 2019 the State Council approved seven new pilot free trade zones.",
        "The Guangdong FTZ covers 161.2 square kilometres.",
        "Foreign direct investment into China fell 12.5% in the first half of 2025.",
    ]
    for sentence in wrong:
        claims = check(checker, sentence, as_of="2024-09-12")
        assert claims, sentence
        assert all(c.verdict != "supported" for c in claims if c.verdict == "contradicted")
        wrong_claims = [c for c in claims if c.verdict in ("contradicted", "ambiguous")]
        assert wrong_claims, (sentence, [(c.text, c.verdict, c.reason) for c in claims])


# -- HTML drafts -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(checker: ClaimChecker) -> list[Claim]:
    return checker.check(read_draft(DRAFTS / "zones-web.html"))


def test_html_draft_claims_and_verdicts(web: list[Claim]) -> None:
    v = verdicts(web)
    assert v["129.76 square kilometers"] == "contradicted"  # Hunan: 119.76
    for ok in (
        "22",
        "103.96 billion yuan",
        "about 4.1 trillion yuan",
        "20.8%",
        "less than 0.4%",
        "116.2 sq km",
        "119.9 sq km",
        "118.04 square kilometres",
        "three",
        "119.68 square kilometers",
        "119.86 square kilometers",
        "21.17 trillion yuan",
    ):
        assert v[ok] == "supported", ok
    assert claim(web, "119.68 square kilometers").subject == "ftz-beijing"  # its table row


def test_html_script_and_style_are_not_text(web: list[Claim]) -> None:
    texts = {c.text for c in web}
    assert "999 billion yuan" not in texts and "123 trillion yuan" not in texts


def test_html_positions_point_into_the_html_source(web: list[Claim]) -> None:
    lines = (DRAFTS / "zones-web.html").read_text(encoding="utf-8").splitlines()
    c = claim(web, "103.96 billion yuan")
    assert lines[c.line - 1][c.column - 1 :].startswith("103.96")
    assert c.draft.endswith("zones-web.html")


def test_html_meta_date_is_the_as_of_date(checker: ClaimChecker) -> None:
    draft = read_draft(DRAFTS / "zones-web.html")
    assert draft.date == dt.date(2024, 9, 15) and draft.title == "Zones at a glance"


# -- periods: front matter date, --as-of, relative periods --------------------------------------


def test_last_year_resolves_against_the_front_matter_date(checker: ClaimChecker) -> None:
    claims = checker.check(read_draft(DRAFTS / "zones-review-2022.md"))
    trade = claim(claims, "7.5 trillion yuan")
    assert (trade.period, trade.verdict) == ("2022", "supported")
    assert claim(claims, "18.7%").verdict == "contradicted"  # 17.8% of national trade
    assert claim(claims, "56").verdict == "supported"  # "during the year": 2022
    assert claim(claims, "53.2%").metric == "fdi_actual_use_hightech_growth"


def test_as_of_overrides_the_front_matter(checker: ClaimChecker) -> None:
    claims = checker.check(read_draft(DRAFTS / "zones-review-2022.md"), as_of=dt.date(2024, 9, 12))
    trade = claim(claims, "7.5 trillion yuan")
    assert (trade.period, trade.verdict) == ("2023", "contradicted")
    assert "wrong period" in trade.reason


def test_relative_period_without_a_date_is_left_open(checker: ClaimChecker) -> None:
    claims = check(
        checker, "The pilot FTZs' imports and exports reached 7.5 trillion yuan last year."
    )
    c = claim(claims, "7.5 trillion yuan")
    assert c.period is None
    assert any("needs --as-of" in n for n in c.notes)


# -- tables, lists, ambiguity --------------------------------------------------------------------


def test_numbers_in_tables_and_lists(checker: ClaimChecker) -> None:
    claims = checker.check(read_draft(DRAFTS / "zones-review-2022.md"))
    share = [c for c in claims if c.text == "17.8%"][0]
    assert (share.metric, share.verdict) == ("trade_total_share", "supported")
    assert share.period == "2022"  # from the header cell "Indicator (2022)"
    wuhan = claim(claims, "more than 16,000")
    assert (wuhan.subject, wuhan.verdict) == ("ftz-hubei-wuhan", "supported")
    assert claim(claims, "1.23 trillion yuan").subject == "china"


def test_ambiguous_claims_list_their_readings(checker: ClaimChecker) -> None:
    claims = check(checker, "The six zones were approved in August 2019.", as_of="2024-09-12")
    c = claim(claims, "six")
    assert c.verdict == "ambiguous"
    assert len(c.readings) >= 2 and {r["verdict"] for r in c.readings} >= {"contradicted"}


# -- what is not a claim ---------------------------------------------------------------------------


def test_years_dates_ordinals_sections_and_phones_are_not_claims(checker: ClaimChecker) -> None:
    text = (
        "# 3.2 Background\n\n"
        "In 2024, the sixth batch of cases was issued on 2 February 2023 under Section 4.1 and "
        "Article 12 of the plan; the 20th CPC Central Committee met in July 2024. Call "
        "+86 10 6519 8888 or Tel: 010-65198888 for the 2023 report.\n\n"
        "1. First item\n2. Second item\n"
    )
    assert check(checker, text) == []


def test_ranges_and_counts_are_claims(checker: ClaimChecker) -> None:
    claims = check(
        checker, "Clearance at the Shaanxi zone takes 2-3 days. There are six zones here."
    )
    rng = claim(claims, "2-3 days")
    assert (rng.value, rng.qualifier, rng.unit) == ("2-3", "range", "day")
    assert claim(claims, "six").value == "6"


def test_empty_draft_has_no_claims(checker: ClaimChecker) -> None:
    assert check(checker, "") == []
    assert check(checker, "---\ndate: 2024-01-01\n---\n") == []


# -- the command: outputs, exit codes, bad input ---------------------------------------------------


def run(tmp_path: Path, *drafts: Path, **options: object) -> tuple[int, str]:
    out = tmp_path / f"out.{options.get('fmt', 'txt')}"
    code = run_claims_command(list(drafts), project_dir=ROOT, output=out, **options)  # type: ignore[arg-type]
    return code, out.read_text(encoding="utf-8")


def test_json_output_shape_and_stability(tmp_path: Path) -> None:
    draft = DRAFTS / "ftz-errors.txt"
    code, text = run(tmp_path, draft, fmt="json", as_of="2024-09-12")
    assert code == 1  # a claim is contradicted
    data = json.loads(text)
    assert data["schema"] == "factlint-claims/1"
    assert data["summary"]["contradicted"] >= 5
    for c in data["claims"]:
        for key in (
            "line",
            "column",
            "text",
            "value",
            "unit",
            "metric",
            "subject",
            "period",
            "verdict",
            "facts",
            "reason",
        ):
            assert key in c
        for fact_id in c["facts"]:
            assert data["facts"][fact_id]["quote"]
    assert run(tmp_path, draft, fmt="json", as_of="2024-09-12")[1] == text  # same bytes


def test_fail_on_policy(tmp_path: Path) -> None:
    good, errors = DRAFTS / "ftz-midyear.md", DRAFTS / "ftz-errors.txt"
    assert run(tmp_path, good, fmt="json")[0] == 0
    assert run(tmp_path, errors, fmt="json", as_of="2024-09-12")[0] == 1
    assert run(tmp_path, errors, fmt="json", as_of="2024-09-12", fail_on="never")[0] == 0
    review = DRAFTS / "zones-review-2022.md"  # an unsupported figure but nothing contradicted
    assert (
        run(tmp_path, DRAFTS / "ftz-midyear.md", review, fmt="json", fail_on="unsupported")[0] == 1
    )


def test_text_output(tmp_path: Path) -> None:
    code, text = run(tmp_path, DRAFTS / "ftz-errors.txt", fmt="text", as_of="2024-09-12")
    assert code == 1
    assert "contradicted" in text and "FAIL" in text and "103.96 million yuan" in text


def test_html_view_is_self_contained_and_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.txt"  # plain text keeps the markup as text: it must be escaped
    hostile.write_text(
        "<script>alert(1)</script> In the first half of 2024 the 22 pilot FTZs drew 103.96 "
        "billion yuan <img src=x onerror=alert(2)> of foreign capital.\n",
        encoding="utf-8",
    )
    code, page = run(tmp_path, DRAFTS / "ftz-errors.txt", hostile, fmt="html", as_of="2024-09-12")
    assert code == 1
    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x" in page
    assert "<link" not in page and "@import" not in page
    assert 'class="v-contradicted"' in page and "scio24-ftz-fdi-2024h1" in page
    assert "In the first half of 2024, the actual use of foreign capital" in page  # evidence quote


def test_missing_binary_and_unreadable_drafts_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="draft not found"):
        run_claims_command([tmp_path / "nope.md"], project_dir=ROOT)
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError) as info:
        run_claims_command([binary], project_dir=ROOT)
    assert "image.md" in str(info.value) and "\n" not in str(info.value)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 22 zones".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        run_claims_command([latin], project_dir=ROOT)
    # after a BOM, the bad byte at the start of line 2 is named by its own line
    after_bom = tmp_path / "bom.txt"
    after_bom.write_bytes(b"\xef\xbb\xbf22 zones\n\xe9t\xe9 2024")
    with pytest.raises(InputError) as info:
        run_claims_command([after_bom], project_dir=ROOT)
    assert info.value.where == "2"
    # lines that end in a CR alone (old Mac files) are lines too, as the draft reads them
    carriage = tmp_path / "cr.txt"
    carriage.write_bytes(b"22 zones\r21 zones\r\n\xe9t\xe9 2024")
    with pytest.raises(InputError) as info:
        run_claims_command([carriage], project_dir=ROOT)
    assert info.value.where == "3"
    with pytest.raises(InputError, match="directory"):
        run_claims_command([tmp_path], project_dir=ROOT)


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    draft = DRAFTS / "ftz-midyear.md"
    with pytest.raises(UsageError, match="--as-of"):
        run_claims_command([draft], project_dir=ROOT, as_of="last tuesday")
    with pytest.raises(UsageError, match="--fail-on"):
        run_claims_command([draft], project_dir=ROOT, fail_on="sometimes")
    with pytest.raises(UsageError, match="refusing"):
        run_claims_command([draft], project_dir=ROOT, output=draft, fmt="json")
    with pytest.raises(FactlintError, match="front matter"):
        bad = tmp_path / "bad.md"
        bad.write_text("---\ndate: [unclosed\n---\nThe 22 zones.\n", encoding="utf-8")
        run_claims_command([bad], project_dir=ROOT)


def test_empty_draft_exits_0(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    code, text = run(tmp_path, empty, fmt="json")
    assert code == 0 and json.loads(text)["claims"] == []


def test_ten_megabyte_draft_is_read_in_one_pass(tmp_path: Path, checker: ClaimChecker) -> None:
    """A 10 MB draft with tables, lists, long lines and figures: it finishes, nothing crashes."""
    unit = (
        "In the first half of 2024 the 22 pilot FTZs drew 103.96 billion yuan of foreign capital, "
        "about 20.8% of the national total. See Section 3.2 or call +86 10 6519 8888.\n\n"
        "| Zone | Area |\n|---|---|\n| Beijing FTZ | 119.68 square kilometers |\n\n"
        "- The sixth batch of cases, issued on 2 February 2023, took 2-3 days to review.\n\n"
        + "Lorem ipsum dolor sit amet, consectetur adipiscing elit " * 40
        + "\n\n"
    )
    text = unit * (10_000_000 // len(unit) + 1)
    text += "x" * 200_000 + " 7 zones " + "y" * 200_000  # a very long line with no sentence end
    path = tmp_path / "big.md"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= 10_000_000
    claims = checker.check(read_draft(path))
    assert len(claims) > 1000
    assert {c.verdict for c in claims if c.text == "103.96 billion yuan"} == {"supported"}
    assert not any(c.text in ("2024", "3.2", "2 February 2023") for c in claims)


# -- agreement with an editor ----------------------------------------------------------------


def test_verdicts_agree_with_an_editor(checker: ClaimChecker) -> None:
    """Every figure of the test drafts against the verdict a careful editor gives it
    (tests/drafts/expected.json): the great majority agree, and no figure the editor finds
    contradicted is ever reported supported."""
    expected = json.loads((DRAFTS / "expected.json").read_text(encoding="utf-8"))
    total = agree = 0
    disagreements = []
    for name, spec in expected.items():
        if name.startswith("_"):
            continue
        as_of = dt.date.fromisoformat(spec["as_of"]) if spec["as_of"] else None
        found = {(c.line, c.text): c for c in checker.check(read_draft(DRAFTS / name), as_of=as_of)}
        for line, text, verdict in spec["claims"]:
            total += 1
            c = found.get((line, text))
            assert c is not None, f"{name}:{line}: figure {text!r} not found"
            if verdict == "contradicted":
                assert c.verdict != "supported", (name, line, text, c.reason)
            if c.verdict == verdict:
                agree += 1
            else:
                disagreements.append(
                    f"{name}:{line} {text!r}: editor {verdict}, factlint {c.verdict}"
                )
    assert total >= 100
    assert agree / total >= 0.9, "\n".join(disagreements)


# -- end to end, once the commands are registered in cli.py ----------------------------------


def _registered(name: str) -> bool:
    from factlint.cli import app

    return any(
        (c.name or (c.callback.__name__ if c.callback else "")) == name
        for c in app.registered_commands
    )


@pytest.mark.skipif(not _registered("claims"), reason="`factlint claims` not registered yet")
def test_cli_claims_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from factlint.cli import main

    out = tmp_path / "claims.json"
    draft = str(DRAFTS / "ftz-errors.txt")
    code = main(
        [
            "claims",
            draft,
            "--project",
            str(ROOT),
            "--as-of",
            "2024-09-12",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert code == 1 and json.loads(out.read_text(encoding="utf-8"))["summary"]["contradicted"]
    assert main(["claims", draft, "--project", str(ROOT), "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert main(["claims", str(tmp_path / "missing.md"), "--project", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "missing.md" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not _registered("extract"), reason="`factlint extract` not registered yet")
def test_cli_extract_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    from factlint.cli import main

    source = ROOT / "facts" / "sources" / "ref-batch5.txt"
    assert main(["extract", str(source), "--project", str(ROOT)]) == 0
    assert capsys.readouterr().out.startswith("id,source,quote,subject,metric,period,value")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("In the fırst half of 2023 the zones grew", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ("in the first ſix months of 2023", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ("as of the end of ſept. 2022", dt.date(2022, 9, 30), dt.date(2022, 9, 30)),
        ("in the ſecond quarter of 2024", dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
        ("in the first half of laſt year", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ("in the first half of thİs year", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
    ],
)
def test_period_words_with_letters_that_ignore_case_are_read(
    text: str, first: dt.date, last: dt.date
) -> None:
    """Period patterns ignore case, so "ı" (dotless i) and "ſ" (long s) match "i" and "s":
    the words they spell are read as those words (they raised KeyError and StopIteration)."""
    (cue,) = period_cues(text, 0, len(text), dt.date(2024, 12, 31))
    assert (cue.first, cue.last) == (first, last)
