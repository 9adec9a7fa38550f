"""modemu: a virtual Quectel LTE Standard(A) module with real host networking."""

__version__ = "0.1.0"
