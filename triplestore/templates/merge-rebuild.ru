# The published default graph rebuilt from scratch (triplestore.merge.keep_merged): K, the union
# of the store's default graph and the published graphs that change in place ($changing); M,
# K and the current dataset versions ($versions); S, what M holds. Placeholders: N-Triples terms;
# $default, the pattern of the store's default graph (``triplestore.merge.default_pattern``).
DROP SILENT GRAPH $merge ;
DROP SILENT GRAPH $mutable ;
DROP SILENT GRAPH $state ;
CREATE SILENT GRAPH $merge ;
CREATE SILENT GRAPH $mutable ;
INSERT { GRAPH $mutable { ?s ?p ?o } } WHERE {
  { $default } UNION { VALUES ?g { $changing } GRAPH ?g { ?s ?p ?o } }
} ;
INSERT { GRAPH $merge { ?s ?p ?o } } WHERE {
  { GRAPH $mutable { ?s ?p ?o } } UNION { VALUES ?v { $versions } GRAPH ?v { ?s ?p ?o } }
} ;
INSERT DATA { GRAPH $state { $merge $kept true . $held } }
