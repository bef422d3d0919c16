"""The browser tests run, are turned off on purpose, or fail the run: they never disappear silently."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def collect(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-rs", "tests/api/test_browser.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_a_missing_chromium_fails_the_run() -> None:
    out = collect({"BEIAN_BROWSER_TESTS": "1", "BEIAN_CHROMIUM": "/nonexistent/chromium"})
    assert out.returncode != 0
    assert "Chromium is not installed at /nonexistent/chromium" in out.stdout


def test_turned_off_on_purpose_is_a_visible_skip() -> None:
    out = collect({"BEIAN_BROWSER_TESTS": "0", "BEIAN_CHROMIUM": "/nonexistent/chromium"})
    assert out.returncode == 5  # nothing collected, and not an error
    assert "browser tests turned off on purpose (BEIAN_BROWSER_TESTS=0)" in out.stdout
