"""What every validation needs, computed once in the fork server (``validation.confined`` names
this module with ``core.workers.preload``) so that each upload's fresh confined worker starts warm:
the compiled shapes and their texts, the code lists, the GeoNames town tables (3 s and more to
build, then kept on disk), the template's mapping. Without it, every upload would pay ~5 s before
reading its first row.

Only data is built here: no file, database or connection is left open for the workers to share.
"""

from __future__ import annotations

from loaders import concepts, enrich
from validation import columns, pyshacl_run, shapes


def warm() -> None:
    """Fill the caches the validation of a submission reads."""
    shapes.shape_texts()
    shapes.compiled_shapes()
    shapes.sparql_checks()
    pyshacl_run.shapes_for_worker()
    columns.required_fields()
    columns.template_mapping("en")
    concepts.default_index()
    enrich.towns().ready()
    enrich.cells().ready()


warm()
