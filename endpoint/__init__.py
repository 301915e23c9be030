"""The publishing side of the data flow: SPARQL endpoint and Linked Data service.

It may import ``loaders``; ``loaders`` never imports it. ``endpoint.pool`` runs queries in
worker processes over the store's read-only snapshots, so that a timeout can really stop one.
"""
