"""Publishing: validate -> diff -> publish -> record (``publishing.publish``), the partners who
may publish (``partners``), the submissions recorded (``submissions``) and the build of the
partners' folders (``build``).

Importing this package registers what must follow every change of the published data on the
store (``triplestore.versions.on_change``): the indicators cube's refresh
(``observatory.cube.refresh_cube``), so that each generation's cube matches its data, whoever
writes (a build, a submission, SPARQL Update, the Graph Store Protocol). The fork server
preloads the cube, which the confined writers run.
"""

from core.workers import preload
from observatory.cube import refresh_cube
from triplestore.versions import on_change

on_change(refresh_cube)
preload("observatory.cube")
