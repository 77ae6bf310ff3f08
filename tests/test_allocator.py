"""The CLI's allocator settings: glibc must accept every one, or none of them applies."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from factlint.allocator import tune_allocator


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or "libc.so" not in str(ctypes.util.find_library("c")),
    reason="mallopt is glibc's",
)
def test_glibc_accepts_every_setting() -> None:
    # mallopt answers 0 for a value it refuses, and the CLI would silently run without
    # the settings (and the half second a warm 1M check saves with them)
    assert tune_allocator() is True


def test_other_platforms_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert tune_allocator() is False
