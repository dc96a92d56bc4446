"""Figures at every level of the tree, computed from the case events.

Importing the package subscribes the rollup to the kernel's appended events
(``rollup.on_appended``): every process that writes cases imports it (``import_all_models``
does)."""

from huying.metrics import rollup as _rollup  # noqa: F401
