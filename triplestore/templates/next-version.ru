# Make a version the current version of a dataset in the catalogue graph
# (triplestore.versions.switch_update): the current ones ("current": one or more) become its
# previous versions. Placeholders are filled with RDF terms (core.rdf_templates.update). Plain data
# operations, which every store runs alike.
DELETE DATA { GRAPH $catalog {
  $dataset <http://www.w3.org/ns/dcat#hasCurrentVersion> $current .
} } ;
INSERT DATA { GRAPH $catalog {
  $dataset <http://www.w3.org/ns/dcat#hasCurrentVersion> $version ;
      <http://www.w3.org/ns/dcat#hasVersion> $version .
  $version <http://www.w3.org/ns/dcat#previousVersion> $current .
} }
