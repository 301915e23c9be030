"""Publishing: validate -> diff -> publish -> record (``publishing.publish``), the partners who
may publish (``partners``), the submissions recorded (``submissions``) and the build of the
partners' folders (``build``).

Importing this package registers what must follow every change of the published data on the
store (``triplestore.versions.on_change``): the links between the records of one real place
(``publishing.links.refresh_links``: canonical places and owl:sameAs in ``{base}links``), then
the indicators cube's refresh (``observatory.cube.refresh_cube``, which counts those places), so
that each generation's links and cube match its data, whoever writes (a build, a submission,
SPARQL Update, the Graph Store Protocol). The fork server preloads both, which the confined
writers run.
"""

from core.workers import preload
from observatory.cube import refresh_cube
from publishing.links import refresh_links
from triplestore.versions import on_change

on_change(refresh_links)
on_change(refresh_cube)
preload("publishing.links", "observatory.cube")
