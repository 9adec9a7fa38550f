"""Data package: the module variants shipped with modemu, one versioned TOML file each.

Read through :func:`modemu.modem.profile.shipped_profiles` and ``--profile NAME``; where
each variant's values come from is written in docs/variants.md.
"""
