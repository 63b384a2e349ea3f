"""Errors a user can act on. Each carries one line that says what is wrong and what to do.

Front-ends print `str(error)` and exit non-zero; anything else escaping the pipeline is a bug.
"""

import os


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


class TimedOut(GaitcheckError):
    """The analysis of one clip took longer than the `timeout_s` setting allows."""


#: What a front-end shows when the analysis ran out of memory (a MemoryError inside the run).
OUT_OF_MEMORY = "The computer ran out of memory analysing this clip; try a shorter clip or fewer workers."


def user_sentence(exc: BaseException, video: str | os.PathLike[str]) -> str:
    """A core error as one sentence for a page or a table cell: the video's path and name replaced
    by "the video" (no server or clinic paths; "the file" where the sentence says it is not a video),
    a capital first letter and a full stop."""
    path, text = str(video), str(exc)
    name = "the file" if "not a video" in text else "the video"
    text = text.replace(path, name).replace(os.path.basename(path), name).strip()
    text = " ".join(text.split())  # one line, whatever the message held
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
