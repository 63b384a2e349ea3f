"""Shared fixtures: real clips from ../shared/videos (skipped cleanly when absent) and cached runs."""

from __future__ import annotations

import pytest

from tests.helpers import shared_clip


@pytest.fixture(scope="session")
def analysed():
    """Analyse a shared clip once per test session: analysed(name, **settings) -> Analysis."""
    import gaitcheck

    cache: dict = {}

    def run(name: str, **overrides):
        key = (name, tuple(sorted(overrides.items())))
        if key not in cache:
            cache[key] = gaitcheck.analyze(shared_clip(name), **overrides)
        return cache[key]

    return run
