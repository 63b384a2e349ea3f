"""gaitcheck: does the hip keep the knee in line? Knee valgus, hip adduction and pelvic drop
measured from a phone video of a squat, single-leg squat, step-down or running.

    >>> import gaitcheck
    >>> a = gaitcheck.analyze("clip.mp4", movement="single-leg-squat")
    >>> a.angles[["time_s", "left_fppa_deg", "right_fppa_deg"]]
    >>> a.save("results/")
"""

__version__ = "0.1.0"

from gaitcheck.analysis import Analysis, analyze, analyze_saved
from gaitcheck.errors import GaitcheckError
from gaitcheck.settings import Settings

__all__ = ["Analysis", "GaitcheckError", "Settings", "__version__", "analyze", "analyze_saved"]
