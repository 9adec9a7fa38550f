"""The virtual module: state, command registry, port modes and the sans-IO engine."""
