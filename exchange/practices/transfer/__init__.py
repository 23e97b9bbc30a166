"""Bulk exchange of practices as JSON (docs/import-format.md).

format.py (name, version, keys, local ids, reading JSON) → checker.py (reference data, value checks) →
planning.py (check a document, match the database, plan updates) → applying.py (write through the services as
the system actor); export.py writes the same format. Callers use the names below.
"""

from exchange.practices.transfer.applying import (
    IMPORT_MOVE_EXPLANATION,
    ImportReport,
    apply_plans,
    import_practices,
)
from exchange.practices.transfer.format import FORMAT, VERSION, local_id, parse_document, read_document
from exchange.practices.transfer.planning import ItemPlan, check_document

__all__ = [
    "FORMAT",
    "IMPORT_MOVE_EXPLANATION",
    "VERSION",
    "ImportReport",
    "ItemPlan",
    "apply_plans",
    "check_document",
    "import_practices",
    "local_id",
    "parse_document",
    "read_document",
]
