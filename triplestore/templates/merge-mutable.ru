# What changed in place since the last commit (triplestore.merge.keep_merged): a triple of K
# ($mutable) that the default graph and the graphs that change in place ($changing) no longer
# hold leaves K, and M ($merge) unless a current dataset version ($versions) holds it; a triple
# they hold that K does not is added to both. Placeholders: N-Triples terms.
DELETE { GRAPH $merge { ?s ?p ?o } } WHERE {
  GRAPH $mutable { ?s ?p ?o }
  FILTER NOT EXISTS { ?s ?p ?o }
  FILTER NOT EXISTS { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
  FILTER NOT EXISTS { VALUES ?v { $versions } GRAPH ?v { ?s ?p ?o } }
} ;
DELETE { GRAPH $mutable { ?s ?p ?o } } WHERE {
  GRAPH $mutable { ?s ?p ?o }
  FILTER NOT EXISTS { ?s ?p ?o }
  FILTER NOT EXISTS { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
} ;
INSERT { GRAPH $merge { ?s ?p ?o } GRAPH $mutable { ?s ?p ?o } } WHERE {
  { ?s ?p ?o } UNION { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
  FILTER NOT EXISTS { GRAPH $mutable { ?s ?p ?o } }
}
