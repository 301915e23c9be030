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

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from core.namespaces import CODE, CWM, QB, RDF, XSD
from core.namespaces import NUTS_CODE as NUTS
from core.rdf_bytes import to_bytes
from core.rdf_templates import fill
from observatory.figures import figure_sparql, with_filters

if TYPE_CHECKING:
    from triplestore.backends import TripleStore

DATASET_TEMPLATE = Path(__file__).parent / "templates" / "cube-dataset.ttl"
REGIONS_TEMPLATE = Path(__file__).parent / "templates" / "cube-regions-dataset.ttl"
#: the figures whose rows are the regions cube's observations, and the variable of their region
REGION_FIGURES = {
    "13-nuts3-per-100k": "region",
    "14-nuts2-per-100k": "region",
    "15-country-per-100k": "country",
}


def data_graphs(published: list[ox.NamedNode], base: str) -> list[ox.NamedNode]:
    """The published graphs that may describe spaces: not the vocabulary (ontology, cube
    structure, code lists), the catalogue, the submissions' record or the cube. Queries about
    spaces over these alone are several times faster than over every published graph (a join
    costs Oxigraph one index lookup per graph of the default graph)."""
    managed = {f"{base}catalog", f"{base}submissions", cube_graph(base)}
    return [g for g in published if g.value not in managed and not g.value.startswith((CWM, CODE))]


def cube_graph(base: str) -> str:
    return f"{base}cube"


def cube_dataset(base: str) -> str:
    return f"{base}cube/spaces"


def regions_dataset(base: str) -> str:
    return f"{base}cube/regions"


def regions_sparql(base: str, figure_id: str) -> str:
    """The query of one of ``REGION_FIGURES``, unfiltered: the regions cube holds the very
    numbers the observatory shows."""
    return with_filters(figure_sparql(figure_id), {}, base)


#: the properties of a regions cube observation, its measures last
_A, _DATA_SET = ox.NamedNode(f"{RDF}type"), ox.NamedNode(f"{QB}dataSet")
_OBSERVATION = ox.NamedNode(f"{QB}Observation")
_REGION, _PLACES = ox.NamedNode(f"{CWM}refRegion"), ox.NamedNode(f"{CWM}placeCount")
_PER_100K = ox.NamedNode(f"{CWM}placesPer100k")


def region_observations(
    rows: Iterable[ox.QuerySolution], figure_id: str, base: str
) -> list[ox.Triple]:
    """The regions cube's observations of one figure's ``rows`` (``regions_sparql``): one per
    NUTS region with its places and places per 100,000. A region without a population or
    without a place (no per-100,000 figure) is left out, so that every observation has both
    measures. Made from the rows rather than by a CONSTRUCT: Virtuoso 7.2 kept the regions
    whose figure was unbound there (``FILTER BOUND`` over a subquery's variable), 352
    observations without a measure on the real build."""
    area, dataset = REGION_FIGURES[figure_id], ox.NamedNode(regions_dataset(base))
    triples: list[ox.Triple] = []
    for row in rows:
        region, places, rate = row[area], row["places"], row["per_100k"]
        if places is None or rate is None or not isinstance(region, ox.NamedNode):
            continue
        if not region.value.startswith(NUTS):
            continue
        observation = ox.NamedNode(f"{dataset.value}/{region.value[len(NUTS) :]}")
        for predicate, value in (
            (_A, _OBSERVATION),
            (_DATA_SET, dataset),
            (_REGION, region),
            (_PLACES, places),
            (_PER_100K, rate),
        ):
            triples.append(ox.Triple(observation, predicate, value))
    return triples


#: the activity status of a space that has not opened yet (its opening date is a plan)
PLANNED = "https://w3id.org/coworkmed/code/activity-status/planned"


def observations_query(base: str) -> str:
    """The CONSTRUCT of the cube's observations from the published data (its default graph)."""
    dataset = cube_dataset(base)
    return f"""PREFIX qb: <{QB}>
PREFIX cwm: <{CWM}>
PREFIX xsd: <{XSD}>
CONSTRUCT {{
  ?observation a qb:Observation ;
    qb:dataSet <{dataset}> ;
    cwm:refRegion ?nuts ;
    cwm:refSpaceKind ?kind ;
    cwm:refTerritoryType ?territory ;
    cwm:openingYear ?year ;
    cwm:spaceCount ?spaces ;
    cwm:workstationTotal ?workstations ;
    cwm:floorAreaTotal ?area ;
    cwm:spacesGivingWorkstations ?givingWorkstations ;
    cwm:spacesGivingFloorArea ?givingArea .
}}
WHERE {{
  {{
    SELECT ?nuts ?kind ?territory ?year (COUNT(?space) AS ?spaces)
           (SUM(?w) AS ?workstations) (SUM(?a) AS ?area)
           (COUNT(?ws) AS ?givingWorkstations) (COUNT(?fa) AS ?givingArea)
    WHERE {{
      ?space cwm:nutsRegion ?nuts ; cwm:spaceKind ?kind ; cwm:openingDate ?opened .
      # a planned space's opening date is when it is to open: it has not opened (stranger 85)
      FILTER NOT EXISTS {{ ?space cwm:activityStatus <{PLANNED}> }}
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


def cube_description(base: str) -> list[ox.Triple]:
    """The cube's data set: its structure, title and comment (``templates/cube-dataset.ttl``)."""
    return fill(DATASET_TEMPLATE, dataset=ox.NamedNode(cube_dataset(base)))


def regions_description(base: str) -> list[ox.Triple]:
    """The regions cube's data set (``templates/cube-regions-dataset.ttl``)."""
    return fill(REGIONS_TEMPLATE, dataset=ox.NamedNode(regions_dataset(base)))


def refresh_cube(store: TripleStore, base: str, published: list[ox.NamedNode]) -> None:
    """Recompute the cube from ``published`` (the graphs readers see): the observations are
    computed by a query over them (the store's fast read path), then written with the data set
    in one transaction that replaces the previous cube."""
    graphs = data_graphs(published, base)
    every: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph(), *graphs]
    triples = list(store.query(observations_query(base), default_graph=every, named_graphs=graphs))
    for figure_id in REGION_FIGURES:
        rows = store.query(
            regions_sparql(base, figure_id), default_graph=every, named_graphs=graphs
        )
        triples += region_observations(rows, figure_id, base)
    description = [*cube_description(base), *regions_description(base)]
    data = to_bytes([*description, *triples], ox.RdfFormat.N_TRIPLES)
    store.replace_graph(ox.NamedNode(cube_graph(base)), data)
