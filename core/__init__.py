"""The foundation every other package stands on, importing none of them: the service's
settings, confined worker processes, SPARQL text reading, where the vocabulary files are, the
namespaces, the translations, problems and errors, RDF templates and output helpers.
"""
