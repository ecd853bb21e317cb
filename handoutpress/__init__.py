"""The clinic handout press: reviewed procedure content to branded, accessible PDFs.

The pipeline, one module a stage: ``load`` -> ``plan`` -> ``render`` ->
``typeset`` -> ``finish`` -> ``write``. ``pipeline.build`` and
``pipeline.check`` run it; ``cli`` is a thin command line over them.
"""

__version__ = "0.1.0"

from .errors import PressError  # noqa: E402
from .pipeline import BuildReport, CheckReport, build, check  # noqa: E402
from .plan import Selection  # noqa: E402

__all__ = ["BuildReport", "CheckReport", "PressError", "Selection", "build", "check", "__version__"]
