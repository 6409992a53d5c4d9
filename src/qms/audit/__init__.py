"""Internal audits (ISO 9001 clause 9.2): the year's programme, audit plans with
the independence rule, the fill-in workbook and the recording of results (major
and minor NCs go to the register in `qms.capa`)."""

from .plan import applicable_items, plan_audit
from .programme import add_audit, load_programme_file, save_programme, show_programme
from .record import audit_results, record_results
from .sheet import export_sheet, read_sheet, record_sheet

__all__ = [
    "add_audit", "applicable_items", "audit_results", "export_sheet", "load_programme_file", "plan_audit", "read_sheet",
    "record_results", "record_sheet", "save_programme", "show_programme",
]
