"""One page of the register, filtered and sorted in SQL: the web's NC list stays
fast at 50,000 NCs (only the page's rows are read, counted with one COUNT)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, exists, func, select

from ..db import Database
from ..db.tables import CorrectiveAction, Evidence, Nonconformity
from . import register
from .models import NcSummary

SORTS = {"code": Nonconformity.id, "raised_at": Nonconformity.raised_at, "state": Nonconformity.state,
         "severity": Nonconformity.severity, "unit": Nonconformity.unit, "updated_at": Nonconformity.updated_at}
MAX_PER_PAGE = 200


class NcFilters(BaseModel):
    """What the list is narrowed to; None = any. Unknown values simply match nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str | None = None
    severity: str | None = None
    unit: str | None = None
    procedure_code: str | None = None
    source: str | None = None
    overdue: bool = False  # only NCs with an action of the current cycle past its due date
    search: str | None = Field(default=None, max_length=200)  # in the title


class NcPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: int
    page: int
    per_page: int
    rows: list[NcSummary]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _overdue_clause(today: dt.date):
    return exists().where(CorrectiveAction.nc_id == Nonconformity.id, CorrectiveAction.done_at.is_(None),
                          CorrectiveAction.cycle == Nonconformity.cycle, CorrectiveAction.due_date < today,
                          Nonconformity.state != "closed")


def page_ncs(db: Database, filters: NcFilters = NcFilters(), *, sort: str = "code", descending: bool = True,
             page: int = 1, per_page: int = 50, today: dt.date | None = None) -> NcPage:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    conditions = [getattr(Nonconformity, column) == value for column, value in
                  (("state", filters.state), ("severity", filters.severity), ("unit", filters.unit),
                   ("procedure_code", filters.procedure_code), ("source", filters.source)) if value]
    if filters.overdue:
        conditions.append(_overdue_clause(today or register.local_today()))
    if filters.search:
        escaped = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Nonconformity.title.ilike(f"%{escaped}%", escape="\\"))
    where = and_(True, *conditions)
    column = SORTS.get(sort, Nonconformity.id)
    order = [column.desc() if descending else column.asc(), Nonconformity.id.desc() if descending
             else Nonconformity.id.asc()]
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(Nonconformity).where(where)) or 0
        ncs = list(session.scalars(select(Nonconformity).where(where).order_by(*order)
                                   .limit(per_page).offset((page - 1) * per_page)))
        ids = [nc.id for nc in ncs]
        evidence = dict(session.execute(select(Evidence.nc_id, func.count()).where(Evidence.nc_id.in_(ids))
                                        .group_by(Evidence.nc_id)).all()) if ids else {}
        open_actions = dict(session.execute(
            select(CorrectiveAction.nc_id, func.count()).join(Nonconformity)
            .where(CorrectiveAction.nc_id.in_(ids), CorrectiveAction.done_at.is_(None),
                   CorrectiveAction.cycle == Nonconformity.cycle)
            .group_by(CorrectiveAction.nc_id)).all()) if ids else {}
        rows = [NcSummary.model_validate(register.summary_row(nc, evidence.get(nc.id, 0), open_actions.get(nc.id, 0)))
                for nc in ncs]
    return NcPage(total=total, page=page, per_page=per_page, rows=rows)


def filter_choices(db: Database) -> dict[str, list[str]]:
    """The units and procedures present in the register, for the filter menus."""
    with db.reading() as session:
        def distinct(column) -> list[str]:
            return [value for value in session.scalars(select(column).distinct().order_by(column)) if value]

        return {"unit": distinct(Nonconformity.unit), "procedure_code": distinct(Nonconformity.procedure_code)}
