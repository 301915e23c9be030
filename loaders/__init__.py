"""Partner files to RDF: the lowest layer of the data flow.

partner file -> reader -> mapping -> RDF records -> validation -> store -> endpoint

This package reads the shared vocabulary (``core.vocabulary``) and, as the loaders land,
turns partner datasets into RDF through declarative mapping files. It never imports
``endpoint``.
"""
