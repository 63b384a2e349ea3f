"""The malloc arena cap the front-ends set (gaitcheck.malloc)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from gaitcheck.malloc import limit_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_takes_the_cap():
    assert limit_arenas() is True


def test_the_cli_sets_it_before_anything_else_and_help_still_works():
    done = subprocess.run([sys.executable, "-m", "gaitcheck", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "analyze" in done.stdout and not done.stderr
