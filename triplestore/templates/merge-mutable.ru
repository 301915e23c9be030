# What changed in place since the last commit (triplestore.merge.keep_merged). The triples of K
# ($mutable) that the default graph and the graphs that change in place ($changing) no longer
# hold are gathered in $removed (few), leave K, and leave M ($merge) unless a current dataset
# version ($versions) holds them; the triples they hold that K does not are added to K and M.
# MINUS, not FILTER NOT EXISTS, where many triples are compared: Oxigraph evaluates MINUS as one
# hash join, NOT EXISTS once per solution. Placeholders: N-Triples terms; $default, the pattern
# of the store's default graph (``triplestore.merge.default_pattern``).
DROP SILENT GRAPH $removed ;
INSERT { GRAPH $removed { ?s ?p ?o } } WHERE {
  GRAPH $mutable { ?s ?p ?o }
  MINUS { $default }
  MINUS { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
} ;
DELETE { GRAPH $mutable { ?s ?p ?o } } WHERE { GRAPH $removed { ?s ?p ?o } } ;
DELETE { GRAPH $merge { ?s ?p ?o } } WHERE {
  GRAPH $removed { ?s ?p ?o }
  FILTER NOT EXISTS { VALUES ?v { $versions } GRAPH ?v { ?s ?p ?o } }
} ;
DROP SILENT GRAPH $removed ;
INSERT { GRAPH $merge { ?s ?p ?o } GRAPH $mutable { ?s ?p ?o } } WHERE {
  { $default } UNION { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
  MINUS { GRAPH $mutable { ?s ?p ?o } }
}
