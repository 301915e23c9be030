# A dataset version that became current ($version) joins M ($merge)
# (triplestore.merge.keep_merged).
INSERT { GRAPH $merge { ?s ?p ?o } } WHERE { GRAPH $version { ?s ?p ?o } }
