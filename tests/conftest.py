"""Suite-wide settings: Hypothesis profiles.

CI must be deterministic (issue 10, item 7a): with ``CI=true`` the ``ci`` profile derandomizes
every property test (the examples are derived from the test itself, so a run is reproducible
bit for bit), keeps no example database and prints the reproduction blob of a failure. Local
runs default to ``dev`` (random examples, the local ``.hypothesis`` database replays past
failures first); ``nightly`` explores further. ``HYPOTHESIS_PROFILE=<name>`` picks one
explicitly (so does pytest's ``--hypothesis-profile``). Tests that pin ``max_examples`` keep
their own count under every profile; the profile decides randomness, database and deadline.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile(
    "nightly",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _profile_name() -> str:
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI", "").lower() in ("true", "1", "yes") else "dev"


settings.load_profile(_profile_name())
