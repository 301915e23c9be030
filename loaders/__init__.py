"""Partner files to RDF: the first step of the data flow.

partner file -> reader -> mapping -> RDF records (this package) -> validation -> store -> endpoint

A declarative mapping file (``mapping``) says how a partner's columns become the ontology's
terms; ``load.stream`` reads the file and yields N-Triples with a report of every problem by row
and column. It touches no store and imports only ``core`` (``make lint`` checks it).
"""
