"""The web side of the data flow: the Flask app that serves the published graph (SPARQL 1.1
Protocol, Update, Graph Store Protocol, Linked Data pages, VoID and DCAT, dumps, the query page,
the observatory's dashboard, the validation page and the REST API).

It may import every package below it (``publishing`` and down, see docs/architecture.md); none
of them imports it. ``endpoint.pool`` runs queries in worker processes over the store's
read-only snapshots, so that a timeout can really stop one.
"""
