"""The ``coworkmed`` command line: it sits above ``loaders`` and ``endpoint`` and drives both."""

__version__ = "0.3.0"
