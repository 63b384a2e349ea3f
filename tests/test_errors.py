"""Core errors as the one sentence a page or a table cell shows."""

from __future__ import annotations

from gaitcheck.errors import NoPersonError, VideoError, user_sentence


def test_the_path_becomes_the_video_and_the_sentence_is_whole():
    video = "/srv/clinic/uploads/IMG_0001.MOV"
    text = user_sentence(NoPersonError(f"no person found in {video}; film the whole body"), video)
    assert text == "No person found in the video; film the whole body."


def test_a_file_that_is_not_a_video_is_called_the_file():
    """Not 'The video is not a video gaitcheck can read', as a batch table said of a broken file."""
    video = "/data/in/broken.mp4"
    text = user_sentence(VideoError(f"{video} is not a video gaitcheck can read (Invalid data)"), video)
    assert text == "The file is not a video gaitcheck can read (Invalid data)."
    picture = user_sentence(VideoError(f"{video} is a JPEG image, a still picture, not a video; film it"), video)
    assert picture.startswith("The file is a JPEG image") and "/data" not in picture
