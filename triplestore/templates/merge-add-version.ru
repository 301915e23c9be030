# A dataset version that became current ($version) joins M ($merge): only the triples M does not
# hold yet are written (a new version of a source shares most of its triples with the one it
# replaces; writing costs far more than comparing) (triplestore.merge.keep_merged).
INSERT { GRAPH $merge { ?s ?p ?o } } WHERE {
  GRAPH $version { ?s ?p ?o }
  MINUS { GRAPH $merge { ?s ?p ?o } }
}
