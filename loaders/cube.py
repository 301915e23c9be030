"""The indicators cube (W3C RDF Data Cube): the published spaces counted per NUTS-3 region, kind
of space, territory type and opening year, with their workstations and floor area summed.

The structure is ``ontology/cube.ttl`` (``cwm:spacesCube``); the observations are recomputed by
``refresh_cube`` from what readers see (the published graphs, as the default graph of the
update) into the graph ``{base}cube``, just before every new snapshot: so the cube always
matches the data it is published with, and other observatories can query it at ``/sparql``.

A space is counted when its region, kind and opening year are known (the required shapes ask
for them); one whose territory type is not reported counts under ``cwm:territoryNotReported``
(``ontology/cube.ttl``); a space of several kinds counts under each of them.
"""

from __future__ import annotations

import pyoxigraph as ox

CWM = "https://w3id.org/coworkmed/def/"
QB = "http://purl.org/linked-data/cube#"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUTS = "http://data.europa.eu/nuts/code/"
CODE = "https://w3id.org/coworkmed/code/"
COMMENT = (
    "Spaces with a known NUTS-3 region, kind and opening year (territory type: not reported "
    "when unknown); a space of several kinds counts under each. Recomputed whenever the graph "
    "changes."
)


def cube_graph(base: str) -> str:
    return f"{base}cube"


def cube_dataset(base: str) -> str:
    return f"{base}cube/spaces"


def cube_update(base: str, graphs: list[ox.NamedNode]) -> str:
    """The SPARQL update that replaces the cube's graph with observations computed over
    ``graphs`` (the published graphs other than the cube)."""
    graph, dataset = cube_graph(base), cube_dataset(base)
    using = " ".join(f"USING <{g.value}>" for g in graphs) or f"USING <{graph}/none>"
    return f"""PREFIX qb: <{QB}>
PREFIX cwm: <{CWM}>
PREFIX xsd: <{XSD}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DROP SILENT GRAPH <{graph}> ;
INSERT DATA {{ GRAPH <{graph}> {{
  <{dataset}> a qb:DataSet ;
    qb:structure cwm:spacesCube ;
    dcterms:title "CoworkMed indicators: spaces per region, kind, territory and opening year"@en ;
    rdfs:comment "{COMMENT}"@en .
}} }} ;
INSERT {{ GRAPH <{graph}> {{
  ?observation a qb:Observation ;
    qb:dataSet <{dataset}> ;
    cwm:nutsRegion ?nuts ;
    cwm:spaceKind ?kind ;
    cwm:territoryType ?territory ;
    cwm:openingYear ?year ;
    cwm:spaceCount ?spaces ;
    cwm:workstationTotal ?workstations ;
    cwm:floorAreaTotal ?area .
}} }}
{using}
WHERE {{
  {{
    SELECT ?nuts ?kind ?territory ?year (COUNT(?space) AS ?spaces)
           (SUM(?w) AS ?workstations) (SUM(?a) AS ?area)
    WHERE {{
      ?space a cwm:Space ; cwm:nutsRegion ?nuts ; cwm:spaceKind ?kind ;
             cwm:openingDate ?opened .
      OPTIONAL {{ ?space cwm:territoryType ?reported }}
      BIND (COALESCE(?reported, cwm:territoryNotReported) AS ?territory)
      OPTIONAL {{ ?space cwm:workstations ?ws }}
      OPTIONAL {{ ?space cwm:floorArea ?fa }}
      BIND (STRDT(SUBSTR(STR(?opened), 1, 4), xsd:gYear) AS ?year)
      BIND (COALESCE(xsd:integer(?ws), 0) AS ?w)
      BIND (COALESCE(xsd:decimal(?fa), 0.0) AS ?a)
    }}
    GROUP BY ?nuts ?kind ?territory ?year
  }}
  BIND (IRI(CONCAT("{dataset}/", STRAFTER(STR(?nuts), "{NUTS}"), "/",
                   STRAFTER(STR(?kind), "{CODE}space-kind/"), "/",
                   REPLACE(STR(?territory), "^.*/", ""), "/", STR(?year)))
        AS ?observation)
}}"""


def refresh_cube(store: ox.Store, base: str, published: list[ox.NamedNode]) -> None:
    """Recompute the cube from ``published`` (the graphs readers see), in one transaction."""
    graphs = [g for g in published if g.value != cube_graph(base)]
    store.update(cube_update(base, graphs))
