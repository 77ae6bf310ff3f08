"""Reproducible reports: with SOURCE_DATE_EPOCH set, the same inputs give the same HTML
and JSON bytes, whatever the hash seed (set and dict order must never leak out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EPOCH = "1726000000"  # 2024-09-10T20:26:40Z


def test_same_inputs_same_bytes_whatever_the_hash_seed(bundled_project: Path,
                                                        tmp_path: Path) -> None:
    runs = {}
    for seed in ("1", "2"):
        out = tmp_path / f"seed-{seed}"
        out.mkdir()
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": seed}
        args = [sys.executable, "-m", "factlint.cli", "check", str(bundled_project),
                "--format", "json", "--output", str(out / "report.json"),
                "--report", str(out / "index.html")]
        runs[seed] = (out, subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True))
    outputs = {}
    for seed, (out, proc) in runs.items():
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1), stderr
        assert stderr == ""
        outputs[seed] = ((out / "index.html").read_bytes(), (out / "report.json").read_bytes())

    html_1, json_1 = outputs["1"]
    html_2, json_2 = outputs["2"]
    assert json_1 == json_2
    assert html_1 == html_2
    assert json.loads(json_1)["generated"].startswith("2024-09-10T20:26:40")
    assert b"2024-09-10" in html_1
