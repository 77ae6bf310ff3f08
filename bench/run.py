"""Benchmark factlint on synthetic corpora and on the bundled FTZ base (issue 7).

    python bench/run.py                       # 10k, 100k and 1M facts, 3 repeats each
    python bench/run.py --sizes 10k,100k --repeat 5
    python bench/run.py --write bench/RESULTS.md

Corpora are generated once (``bench/generate.py``, seed 1) under ``--root``
(default ``/tmp/factlint-bench``) and reused while their manifest matches.
Every measurement runs in a child process: wall time, and CPU time and peak
memory (``ru_maxrss``) from ``os.wait4``. Each repeat measures the baseline
(pandas ``read_csv`` of the same fact tables) right before the check, so a
ratio compares two runs under the same load; tables report medians.

Each check run also verifies its JSON report against the corpus's
``planted.json``: every planted discrepancy is found, and nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SEED = 1
PACKAGES = ("pandas", "numpy", "pandera", "pydantic", "typer", "PyYAML", "great_expectations")
HEAVY_MODULES = ("pandas", "pandera", "great_expectations", "jinja2", "pydantic")
RESULT_MARK = "bench-result: "  # a worker's result line (the CLI may print too)

#: targets of issue 7 (ratios measured within one run)
TARGETS = {
    "check_vs_read_csv": 4.0,
    "rss_vs_frame": 3.0,
    "growth_100k_to_1m": 12.0,
    "help_vs_import_pandas": 1.5,
    "ftz_check_vs_import_pandas": 2.5,
    "html_mb": 20.0,
}


# -- child processes ----------------------------------------------------------------------


@dataclass
class Run:
    """One child process: wall and CPU seconds, peak memory, exit code and output."""

    wall: float
    cpu: float
    maxrss_mb: float
    code: int
    stdout: str = ""
    stderr: str = ""


def run_child(cmd: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 3600,
              cwd: Path | None = None) -> Run:
    """Run ``cmd``; its own rusage comes from ``os.wait4`` (not the children's maximum)."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
        code=proc.returncode,
        stdout=out.read().decode("utf-8", "replace"),
        stderr=err.read().decode("utf-8", "replace"),
    )


def worker(name: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--", *args]


def factlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "factlint.cli", *args]


# -- workers (run in a child process) -----------------------------------------------------


def fact_tables(root: Path) -> list[Path]:
    return sorted(p for p in (root / "facts").glob("*.csv") if p.name != "sources.csv")


def worker_read_csv(root: str) -> dict[str, Any]:
    """The baseline: pandas merely reading the fact tables (default options)."""
    import pandas as pd

    start = time.perf_counter()
    frames = [pd.read_csv(path) for path in fact_tables(Path(root))]
    seconds = time.perf_counter() - start
    frame = pd.concat(frames, ignore_index=True)
    return {
        "seconds": seconds,
        "rows": len(frame),
        "frame_mb": float(frame.memory_usage(deep=True).sum()) / 2**20,
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_stages(root: str, output: str, cache_dir: str = "") -> dict[str, Any]:
    """factlint in-process: the engine's stage timings, then the JSON report.

    With ``cache_dir``, the check uses that cache (the caller fills it first, in
    another process, so nothing else of the first run is warm).
    """
    start = time.perf_counter()
    from factlint.cache import Cache
    from factlint.engine import run_check
    from factlint.findings import Severity
    from factlint.report.data import report_data
    from factlint.report.json_report import render_json

    stages: dict[str, float] = {"import": time.perf_counter() - start}
    peaks: dict[str, float] = {"import": _peak_mb()}
    cache = Cache(Path(cache_dir)) if cache_dir else None
    result = run_check(Path(root), cache=cache)
    stages.update(result.timings)
    peaks["engine"] = _peak_mb()
    start = time.perf_counter()
    data = report_data(result, Severity.ERROR)
    text = render_json(data)
    Path(output).write_text(text, encoding="utf-8")
    stages["output"] = time.perf_counter() - start
    peaks["output"] = _peak_mb()
    return {"stages": stages, "peak_mb": peaks}


def worker_html(root: str, output: str) -> dict[str, Any]:
    """The HTML report of a run, as ``factlint check`` writes it."""
    from factlint.engine import run_check
    from factlint.findings import Severity
    from factlint.report.data import report_data
    from factlint.report.emit import emit

    result = run_check(Path(root))
    data = report_data(result, Severity.ERROR)
    start = time.perf_counter()
    html = emit("html", data)
    seconds = time.perf_counter() - start
    Path(output).write_text(html, encoding="utf-8")
    return {"seconds": seconds, "bytes": len(html.encode("utf-8")), "peak_mb": _peak_mb()}


def worker_modules(*argv: str) -> dict[str, Any]:
    """Which heavy modules a CLI invocation imports."""
    from factlint.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return {"code": code, "loaded": [m for m in HEAVY_MODULES if m in sys.modules]}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "read_csv": worker_read_csv,
    "stages": worker_stages,
    "html": worker_html,
    "modules": worker_modules,
}


def call_worker(name: str, *args: str, env: dict[str, str] | None = None) -> tuple[Run, Any]:
    run = run_child(worker(name, *args), env=env)
    if run.code != 0:
        raise SystemExit(f"worker {name} failed ({run.code}):\n{run.stderr[-3000:]}")
    lines = [x for x in run.stdout.splitlines() if x.startswith(RESULT_MARK)]
    if not lines:
        raise SystemExit(f"worker {name} printed no result:\n{run.stdout[-2000:]}")
    return run, json.loads(lines[-1][len(RESULT_MARK):])


# -- planted discrepancies ------------------------------------------------------------------


def verify(report: dict[str, Any], manifest: dict[str, Any]) -> dict[str, list[Any]]:
    """Planted findings missing from the report, and reported findings not planted."""
    got = Counter(
        (f["rule"], tuple(sorted(f["facts"])), bool(f["waived"])) for f in report["findings"]
    )
    want = Counter(
        (e["rule"], tuple(e["facts"]), bool(e["waived"])) for e in manifest["expected"]
    )
    extra = [
        {"rule": f["rule"], "code": f["code"], "facts": f["facts"], "message": f["message"][:300]}
        for f in report["findings"]
        if (f["rule"], tuple(sorted(f["facts"])), bool(f["waived"])) in (got - want)
    ]
    return {"missing": [list(k) for k in (want - got).elements()], "extra": extra}


# -- corpora --------------------------------------------------------------------------------


def corpus(root: Path, size: str) -> Path:
    """The corpus of ``size``, generated unless a matching one is already there."""
    path = root / size
    manifest = path / "planted.json"
    if manifest.is_file():
        known = json.loads(manifest.read_text())
        if known.get("requested_facts") == SIZES[size] and known.get("seed") == SEED:
            return path
    print(f"generating {path} ...", flush=True)
    subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), "--facts", str(SIZES[size]), "--out",
         str(path), "--seed", str(SEED), "--force"],
        check=True,
    )
    return path


# -- measurements ---------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class SizeResult:
    size: str
    facts: int = 0
    read_csv: list[float] = field(default_factory=list)
    frame_mb: float = 0.0
    check: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    edited: list[Run] = field(default_factory=list)
    ratio_time: list[float] = field(default_factory=list)
    ratio_warm: list[float] = field(default_factory=list)
    ratio_edited: list[float] = field(default_factory=list)
    ratio_rss: list[float] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    warm_stages: list[dict[str, float]] = field(default_factory=list)
    stage_peaks: list[dict[str, float]] = field(default_factory=list)
    planted_ok: list[bool] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    html: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        stage_names = list(dict.fromkeys(k for s in self.stages for k in s))
        return {
            "size": self.size,
            "facts": self.facts,
            "read_csv_s": median(self.read_csv),
            "frame_mb": self.frame_mb,
            "check_wall_s": median([r.wall for r in self.check]),
            "check_cpu_s": median([r.cpu for r in self.check]),
            "check_rss_mb": median([r.maxrss_mb for r in self.check]),
            "ratio_time": median(self.ratio_time),
            "warm_wall_s": median([r.wall for r in self.warm]),
            "warm_rss_mb": median([r.maxrss_mb for r in self.warm]),
            "ratio_warm": median(self.ratio_warm),
            "edited_wall_s": median([r.wall for r in self.edited]),
            "ratio_edited": median(self.ratio_edited),
            "warm_stages_s": {
                k: median([s[k] for s in self.warm_stages if k in s]) for k in stage_names
            },
            "ratio_rss": median(self.ratio_rss),
            "stages_s": {k: median([s[k] for s in self.stages if k in s]) for k in stage_names},
            "stage_peak_mb": {
                k: median([s[k] for s in self.stage_peaks if k in s])
                for k in dict.fromkeys(k for s in self.stage_peaks for k in s)
            },
            "repeats": len(self.check),
            "planted_ok": all(self.planted_ok) and bool(self.planted_ok),
            "problems": self.problems[:5],
            "html": self.html,
        }


def edit_one_table(corpus_copy: Path) -> Path:
    """Give one fact of the largest table a note, as an editor's small change would; the
    file is replaced, not written through, since the copy's files may be hard links."""
    largest = max(fact_tables(corpus_copy), key=lambda p: p.stat().st_size)
    data = largest.read_bytes()
    edited = data.replace(b",exact,\n", b",exact,edited in the benchmark\n", 1)
    if edited == data:
        raise SystemExit(f"{largest}: no fact without a note to edit")
    largest.unlink()
    largest.write_bytes(edited)
    return largest


def linked_copy(source: Path, target: Path) -> None:
    """``source`` at ``target`` by hard links (a real copy across file systems)."""
    try:
        if source.is_dir():
            shutil.copytree(source, target, copy_function=os.link)
        else:
            os.link(source, target)
    except OSError:  # another file system (a tmpfs /tmp)
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


def measure_size(root: Path, size: str, repeat: int, env: dict[str, str], *,
                 html: bool) -> SizeResult:
    path = corpus(root, size)
    manifest = json.loads((path / "planted.json").read_text())
    result = SizeResult(size=size, facts=manifest["facts"])
    with tempfile.TemporaryDirectory(prefix="factlint-bench-") as tmp:
        out = Path(tmp) / "report.json"
        # the checks read a copy of the corpus (hard links), so that an edit leaves it be
        copy = Path(tmp) / "corpus"
        linked_copy(path, copy)
        check = factlint("check", str(copy), "--format", "json", "--no-report",
                         "--fail-on", "never", "--output", str(out))
        for i in range(repeat):
            # cold: an empty cache (as CI on a fresh machine); warm: the same inputs again;
            # edited: one table changed since (as a pre-commit hook after an edit)
            cache = Path(tmp) / f"cache-{i}"
            cached_env = {**env, "FACTLINT_CACHE_DIR": str(cache)}
            edited: Path | None = None
            _, base = call_worker("read_csv", str(path), env=env)
            result.read_csv.append(base["seconds"])
            result.frame_mb = base["frame_mb"]
            for runs, ratios, edit in ((result.check, result.ratio_time, False),
                                       (result.warm, result.ratio_warm, False),
                                       (result.edited, result.ratio_edited, True)):
                if edit:
                    edited = edit_one_table(copy)
                run = run_child(check, env=cached_env)
                if run.code != 0:
                    raise SystemExit(f"factlint check {path} failed ({run.code}):\n{run.stderr}")
                runs.append(run)
                ratios.append(run.wall / base["seconds"])
                found = verify(json.loads(out.read_text()), manifest)
                result.planted_ok.append(not found["missing"] and not found["extra"])
                if found["missing"] or found["extra"]:
                    result.problems.append(found)
            result.ratio_rss.append(max(r.maxrss_mb for r in (result.check[-1], result.warm[-1]))
                                    / base["frame_mb"])
            shutil.rmtree(cache, ignore_errors=True)
            if edited is not None:  # the next repeat starts from the corpus as it is
                edited.unlink()
                linked_copy(path / edited.relative_to(copy), edited)
            _, staged = call_worker("stages", str(path), str(Path(tmp) / "stages.json"), env=env)
            result.stages.append(staged["stages"])
            result.stage_peaks.append(staged["peak_mb"])
            for _ in range(2):  # the first fills the cache, the second is timed
                _, warm = call_worker("stages", str(path), str(Path(tmp) / "stages.json"),
                                      str(cache), env=env)
            result.warm_stages.append(warm["stages"])
            shutil.rmtree(cache, ignore_errors=True)
            print(
                f"  {size} #{i + 1}: read_csv {base['seconds']:.2f}s, check cold "
                f"{result.check[-1].wall:.2f}s (cpu {result.check[-1].cpu:.2f}s, "
                f"{result.check[-1].maxrss_mb:.0f} MB), warm {result.warm[-1].wall:.2f}s, "
                f"edited {result.edited[-1].wall:.2f}s, "
                f"planted {'ok' if all(result.planted_ok[-3:]) else 'WRONG'}; stages "
                + ", ".join(f"{k} {v:.2f}" for k, v in staged["stages"].items())
                + "; warm " + ", ".join(f"{k} {v:.2f}" for k, v in warm["stages"].items()),
                flush=True,
            )
        if html:
            report = Path(tmp) / "report.html"
            _, made = call_worker("html", str(path), str(report), env=env)
            made["chromium"] = open_in_chromium(report)
            result.html = made
            print(f"  {size} html: {made}", flush=True)
    return result


def open_in_chromium(report: Path) -> dict[str, Any]:
    """Load the report in headless chromium (if installed): seconds and DOM size."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return {"ok": False, "reason": "chromium not installed"}
    with tempfile.TemporaryDirectory(prefix="factlint-chromium-") as profile:
        run = run_child(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--virtual-time-budget=10000", "--dump-dom", report.resolve().as_uri()],
            timeout=300,
        )
    return {"ok": run.code == 0 and "<html" in run.stdout.lower(), "seconds": run.wall,
            "dom_chars": len(run.stdout), "maxrss_mb": run.maxrss_mb}


@dataclass
class StartupResult:
    import_pandas: list[float] = field(default_factory=list)
    help: list[float] = field(default_factory=list)
    check: list[float] = field(default_factory=list)
    check_gx: list[float] = field(default_factory=list)
    check_default: list[float] = field(default_factory=list)
    check_rss: list[float] = field(default_factory=list)
    modules: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        pandas = median(self.import_pandas)
        return {
            "import_pandas_s": pandas,
            "help_s": median(self.help),
            "check_s": median(self.check),
            "check_gx_s": median(self.check_gx),
            "check_rss_mb": median(self.check_rss),
            "help_ratio": median(self.help) / pandas,
            "check_ratio": median(self.check) / pandas,
            "check_gx_ratio": median(self.check_gx) / pandas if self.check_gx else None,
            "check_default_s": median(self.check_default),
            "check_default_ratio": median(self.check_default) / pandas,
            "modules": self.modules,
            "errors": sorted(set(self.errors)),
            "repeats": len(self.help),
        }


def measure_startup(repeat: int, env: dict[str, str]) -> StartupResult:
    """``factlint --help`` and ``factlint check`` on the bundled base against ``import pandas``."""
    result = StartupResult()
    with tempfile.TemporaryDirectory(prefix="factlint-bench-") as tmp:
        out = str(Path(tmp) / "ftz.json")
        check = ("check", str(REPO), "--format", "json", "--no-report", "--fail-on", "never",
                 "--output", out)
        has_gx = "--gx" in run_child(factlint("check", "--help"), env=env).stdout
        env = {**env, "FACTLINT_CACHE_DIR": str(Path(tmp) / "cache")}
        for _ in range(repeat):
            result.import_pandas.append(
                run_child([sys.executable, "-c", "import pandas"], env=env).wall)
            result.help.append(run_child(factlint("--help"), env=env).wall)
            shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)  # cold, as on a fresh machine
            run = run_child(factlint(*check), env=env)
            if run.code != 0:
                result.errors.append(run.stderr.strip().splitlines()[-1] if run.stderr else "")
                continue
            result.check.append(run.wall)
            result.check_rss.append(run.maxrss_mb)
            # what a user types: text on the terminal and the HTML report
            shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)
            result.check_default.append(run_child(factlint(
                "check", str(REPO), "--fail-on", "never", "--report", str(Path(tmp) / "r.html")
            ), env=env).wall)
            if has_gx:
                shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)  # cold, like the others
                result.check_gx.append(run_child(factlint(*check, "--gx"), env=env).wall)
        for name, argv in (("help", ["--help"]), ("check", list(check)),
                           *((("check --gx", [*check, "--gx"]),) if has_gx else ())):
            run, loaded = call_worker("modules", *argv, env=env)
            result.modules[name] = loaded["loaded"]
    return result


# -- the machine and the report ------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = "unknown"
    with contextlib.suppress(OSError):
        found = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        memory = f"{int(found.group(1)) / 2**20:.1f} GiB" if found else memory
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "src"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "commit": commit + (" (with uncommitted changes in src/)" if dirty else ""),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def summary(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, limit, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    sizes = results["sizes"]
    if "1m" in sizes:
        big = sizes["1m"]
        for label, key in (("cold: empty cache", "ratio_time"),
                           ("warm: inputs unchanged", "ratio_warm")):
            rows.append((f"1M facts: check time / read_csv time ({label})",
                         f"{big[key]:.1f}×", f"≤ {TARGETS['check_vs_read_csv']:g}×",
                         big[key] <= TARGETS["check_vs_read_csv"]))
        if "ratio_edited" in big:
            rows.append(("1M facts: check time / read_csv time (after editing one table)",
                         f"{big['ratio_edited']:.1f}×", "(reported)", None))
        rows.append(("1M facts: peak RSS / loaded facts frame", f"{big['ratio_rss']:.2f}×",
                     f"≤ {TARGETS['rss_vs_frame']:g}×",
                     big["ratio_rss"] <= TARGETS["rss_vs_frame"]))
        if "100k" in sizes:
            growth = big["check_wall_s"] / sizes["100k"]["check_wall_s"]
            rows.append(("time growth 100k → 1M facts (cold)", f"{growth:.1f}×",
                         f"≤ {TARGETS['growth_100k_to_1m']:g}×",
                         growth <= TARGETS["growth_100k_to_1m"]))
        if big.get("html"):
            mb = big["html"]["bytes"] / 2**20
            rows.append(("1M facts: HTML report size", f"{mb:.1f} MB",
                         f"< {TARGETS['html_mb']:g} MB", mb < TARGETS["html_mb"]))
            chromium = big["html"]["chromium"]
            rows.append(("1M facts: HTML report opens in chromium",
                         f"{'yes' if chromium.get('ok') else 'no'}"
                         + (f" ({chromium['seconds']:.1f}s)" if "seconds" in chromium else ""),
                         "opens", bool(chromium.get("ok"))))
    start = results.get("startup")
    if start:
        rows.append(("`factlint --help` / `import pandas`", f"{start['help_ratio']:.2f}×",
                     f"≤ {TARGETS['help_vs_import_pandas']:g}×",
                     start["help_ratio"] <= TARGETS["help_vs_import_pandas"]))
        limit = TARGETS["ftz_check_vs_import_pandas"]
        rows.append(("`factlint check` bundled base / `import pandas`",
                     f"{start['check_ratio']:.2f}×", f"≤ {limit:g}×",
                     start["check_ratio"] <= limit))
        rows.append(("`factlint check` bundled base, text + HTML report / `import pandas`",
                     f"{start['check_default_ratio']:.2f}×", "(reported)", None))
        if start.get("check_gx_ratio") is not None:
            rows.append(("`factlint check --gx` bundled base / `import pandas`",
                         f"{start['check_gx_ratio']:.2f}×", "(reported)", None))
        gx = [name for name, loaded in start["modules"].items()
              if "great_expectations" in loaded and "--gx" not in name]
        rows.append(("GX not imported by `--help` and `check`",
                     "imported by " + ", ".join(gx) if gx else "not imported", "not imported",
                     not gx))
    for size, found in sizes.items():
        rows.append((f"{size}: planted discrepancies all found, nothing else",
                     "yes" if found["planted_ok"] else "NO", "yes", found["planted_ok"]))
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = []
    rows = summary(results)
    lines += ["| target | measured | limit | met |", "|---|---|---|---|"]
    for name, value, limit, met in rows:
        mark = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {value} | {limit} | {mark} |")
    lines += ["", "| corpus | facts | read_csv | check cold (wall) | cold (cpu) | cold ratio | "
              "check warm | warm ratio | after an edit | edit ratio | peak RSS | facts frame | "
              "RSS ratio |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, r in results["sizes"].items():
        lines.append(
            f"| {size} | {r['facts']:,} | {r['read_csv_s']:.2f} s | {r['check_wall_s']:.2f} s | "
            f"{r['check_cpu_s']:.2f} s | {r['ratio_time']:.1f}× | {r['warm_wall_s']:.2f} s | "
            f"{r['ratio_warm']:.1f}× | {r.get('edited_wall_s', float('nan')):.2f} s | "
            f"{r.get('ratio_edited', float('nan')):.1f}× | {r['check_rss_mb']:.0f} MB | "
            f"{r['frame_mb']:.0f} MB | {r['ratio_rss']:.2f}× |"
        )
    names = list(dict.fromkeys(k for r in results["sizes"].values() for k in r["stages_s"]))
    lines += ["", "Stages (in-process, `run_check` timings, then `report_data` + `render_json` "
              "as *output*), seconds:", "",
              "| corpus | " + " | ".join(names) + " | peak RSS after engine |",
              "|---|" + "---:|" * (len(names) + 1)]
    for size, r in results["sizes"].items():
        for label, key in (("cold", "stages_s"), ("warm", "warm_stages_s")):
            cells = [f"{r[key].get(n, float('nan')):.2f}" for n in names]
            peak = r["stage_peak_mb"].get("engine", float("nan")) if label == "cold" else None
            lines.append(f"| {size} {label} | " + " | ".join(cells)
                         + (f" | {peak:.0f} MB |" if peak is not None else " | |"))
    start = results.get("startup")
    if start:
        lines += ["", "| bundled FTZ base | median wall |", "|---|---:|",
                  f"| `python -c \"import pandas\"` | {start['import_pandas_s']:.2f} s |",
                  f"| `factlint --help` | {start['help_s']:.2f} s |",
                  f"| `factlint check . -f json --no-report` | {start['check_s']:.2f} s |",
                  f"| `factlint check .` (text, HTML report) | {start['check_default_s']:.2f} s |"]
        if start.get("check_gx_ratio") is not None:
            lines.append(
                f"| `factlint check . -f json --no-report --gx` | {start['check_gx_s']:.2f} s |"
            )
        lines += ["", "Heavy modules imported: " + "; ".join(
            f"`{name}`: {', '.join(mods) or 'none'}" for name, mods in start["modules"].items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "factlint-bench",
                        help="where corpora are generated (never inside the repository)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--startup-repeat", type=int, default=7)
    parser.add_argument("--no-startup", action="store_true", help="skip the bundled-base timings")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML report of 1M facts")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--markdown", type=Path, help="write the result tables here")
    parser.add_argument("--src", type=Path,
                        help="measure the factlint package under this src/ directory instead "
                        "(PYTHONPATH), e.g. a checkout of an earlier commit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.worker:
        result = WORKERS[args.worker](*rest)
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0
    if rest:
        parser.error(f"unexpected arguments after --: {' '.join(rest)}")
    env = dict(os.environ)
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    results: dict[str, Any] = {"machine": machine(), "sizes": {}}
    print(json.dumps(results["machine"], indent=1), flush=True)
    for size in [s.strip().lower() for s in args.sizes.split(",") if s.strip()]:
        if size not in SIZES:
            parser.error(f"unknown size {size!r}; use {', '.join(SIZES)}")
        results["sizes"][size] = measure_size(
            args.root, size, args.repeat, env, html=size == "1m" and not args.no_html
        ).to_json()
    if not args.no_startup:
        results["startup"] = measure_startup(args.startup_repeat, env).to_json()
    text = markdown(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    failed = [row for row in summary(results) if row[3] is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
