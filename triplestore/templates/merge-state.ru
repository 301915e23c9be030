# What M ($merge) holds now: the current dataset versions (triplestore.merge.keep_merged).
DROP SILENT GRAPH $state ;
INSERT DATA { GRAPH $state { $merge $kept true . $held } }
