"""Tools on top of the module and the trace format: record, replay, diff, coverage."""
