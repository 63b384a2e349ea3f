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


@pytest.fixture(scope="session")
def bad_corpus(tmp_path_factory):
    """The hostile-input corpus (tests/data/bad/make_bad.py), made once per session: (folder, cases)."""
    from tests.data.bad.make_bad import make_corpus

    folder = tmp_path_factory.mktemp("bad")
    return folder, make_corpus(folder)
