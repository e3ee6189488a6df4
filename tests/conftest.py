"""Hypothesis profiles: `default` for local runs and `ci` (HYPOTHESIS_PROFILE=ci) with the same settings.

No deadline: the first example of a test pays for imports and warm-up, and a slow CI core must not turn that
into a flaky failure. 100 examples per test keeps the whole law suite to seconds.
"""

import os

from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
