"""`qms nc export`: the register as a file (JSON with the full history, CSV or XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import Database
from ..db.tables import Evidence, HistoryEntry, Nonconformity
from ..core.atomic import atomic_target, write_text
from ..core.errors import QmsError
from ..core.i18n import _
from . import history, register

SUMMARY_FIELDS = ("code", "state", "cycle", "severity", "source", "title", "clause", "procedure_code", "unit",
                  "period", "rule", "raised_at", "raised_by", "closed_at", "version")


def register_data(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        ncs = session.scalars(select(Nonconformity).order_by(Nonconformity.id).options(
            selectinload(Nonconformity.actions)))
        items: dict[int, list[dict[str, str]]] = {}
        for evidence in session.execute(select(Evidence.nc_id, Evidence.kind, Evidence.ref, Evidence.detail)
                                        .order_by(Evidence.id)):
            items.setdefault(evidence.nc_id, []).append(
                {"kind": evidence.kind, "ref": evidence.ref, "detail": evidence.detail})
        records = []
        for nc in ncs:
            mine = items.get(nc.id, [])
            data = register.snapshot(nc, [(item["kind"], item["ref"]) for item in mine])
            data["evidence_items"] = mine
            records.append(data)
        entries = [history.entry_as_dict(e) for e in session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq))]
        chain = history.verify_chain(session).as_dict()
    return {"exported_at": history.iso_instant(register.now_utc()), "chain": chain,
            "nonconformities": records, "history": entries}


def export_register(db: Database, path: str | Path) -> dict[str, Any]:
    """Write the register to `path` (.json, .csv or .xlsx); returns counts."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".json", ".csv", ".xlsx"):
        raise QmsError(_("Export to .json, .csv or .xlsx, not '{name}'").format(name=target.name))
    data = register_data(db)
    if suffix == ".json":
        write_text(target, history.canonical_json(data) + "\n")
    elif suffix == ".csv":
        import polars as pl

        from ..core.excel_text import csv_safe

        # opened in a spreadsheet: NC text that looks like a formula must stay text
        # (the JSON export keeps every value exactly)
        rows = [{field: csv_safe(record.get(field)) for field in SUMMARY_FIELDS}
                | {"evidence": record["evidence"]["count"]} for record in data["nonconformities"]]
        schema = {field: pl.Utf8 for field in SUMMARY_FIELDS} | {"cycle": pl.Int64, "version": pl.Int64,
                                                                 "evidence": pl.Int64}
        with atomic_target(target) as partial:
            pl.DataFrame(rows, schema=schema).write_csv(partial)
    else:
        _write_xlsx(target, data)
    return {"path": str(target), "nonconformities": len(data["nonconformities"]), "history": len(data["history"]),
            "chain_ok": data["chain"]["ok"]}


def _write_xlsx(target: Path, data: dict[str, Any]) -> None:
    from openpyxl import Workbook

    from ..core.excel_text import inert_row

    workbook = Workbook(write_only=True)

    def sheet_of(title: str, header: list[str], rows) -> None:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(inert_row(sheet, row))  # NC text and log evidence may start with "="

    records = data["nonconformities"]
    sheet_of("nonconformities", [*SUMMARY_FIELDS, "evidence", "containment", "root_cause"],
             ([record.get(f) for f in SUMMARY_FIELDS]
              + [record["evidence"]["count"], record["containment"], record["root_cause"]] for record in records))
    action_fields = ("number", "cycle", "description", "owner", "due_date", "done_at", "done_by")
    sheet_of("actions", ["nc", *action_fields],
             ([record["code"], *(action[f] for f in action_fields)] for record in records for action in record["actions"]))
    sheet_of("evidence", ["nc", "kind", "ref", "detail"],
             ([record["code"], item["kind"], item["ref"], item["detail"]]
              for record in records for item in record["evidence_items"]))
    history_fields = ("seq", "at", "actor", "entity", "entity_id", "action", "prev_hash", "hash")
    sheet_of("history", list(history_fields), ([entry[k] for k in history_fields] for entry in data["history"]))
    with atomic_target(target) as partial:
        workbook.save(partial)
