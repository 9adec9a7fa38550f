"""The value sets of profile keys that the command line offers as choices.

Kept apart from :mod:`modemu.modem.profile` so that building the CLI's parser (and so
``modemu --help``) does not create the profile's dataclasses; the profile checks values
against these same tuples.
"""

from __future__ import annotations

SIM_STATES = ("READY", "ABSENT", "SIM PIN", "SIM PUK")
TIMING_MODES = ("fast", "real")
