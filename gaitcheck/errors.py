"""Errors a user can act on. Each carries one line that says what is wrong and what to do.

Front-ends print `str(error)` and exit non-zero; anything else escaping the pipeline is a bug.
"""


class GaitcheckError(Exception):
    """Base class: a problem with the input or environment, explained in one line."""

    exit_code = 1


class InputError(GaitcheckError):
    """Bad arguments, settings or paths."""

    exit_code = 2


class VideoError(GaitcheckError):
    """The file is not a video we can decode (empty, truncated, not a video, no frames)."""


class ModelError(GaitcheckError):
    """The pose model bundle is missing or unusable."""


class NoPersonError(GaitcheckError):
    """The pose model found nobody (or too little of anybody) to analyse."""


class Cancelled(GaitcheckError):
    """A front-end asked the run to stop (a user pressed cancel, a job was deleted)."""

    exit_code = 130
