# Make a version the current version of a dataset that had none, in the catalogue graph
# (triplestore.versions.switch_update). Placeholders are filled with RDF terms
# (core.rdf_templates.update). Plain data operations, which every store runs alike.
INSERT DATA { GRAPH $catalog {
  $dataset <http://www.w3.org/ns/dcat#hasCurrentVersion> $version ;
      <http://www.w3.org/ns/dcat#hasVersion> $version .
} }
