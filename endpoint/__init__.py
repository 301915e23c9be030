"""The publishing side of the data flow: SPARQL endpoint and Linked Data service.

It may import ``loaders``; ``loaders`` never imports it. The Flask application factory lands
with the SPARQL endpoint.
"""
