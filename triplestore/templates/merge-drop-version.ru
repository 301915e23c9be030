# A dataset version no longer current ($version) leaves M ($merge): each of its triples that
# neither K ($mutable) nor a current version ($versions) holds (triplestore.merge.keep_merged).
DELETE { GRAPH $merge { ?s ?p ?o } } WHERE {
  GRAPH $version { ?s ?p ?o }
  MINUS { GRAPH $mutable { ?s ?p ?o } }
  MINUS { VALUES ?v { $versions } GRAPH ?v { ?s ?p ?o } }
}
