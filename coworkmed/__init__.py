"""The ``coworkmed`` application: the command line (``cli``), the server it starts
(``serving``), the vocabulary's checks and documentation, and the generated reference tables.
It is the top layer: it drives every package below it and none imports it."""

__version__ = "0.3.0"
