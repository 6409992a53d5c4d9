"""The workspace: a folder with a `qms.yaml` configuration, its process-document
library and its database. Commands find it by walking up from the current
directory, the way git finds its repository."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .core.errors import QmsError
from .core.i18n import _
from .model.workspace import WorkspaceConfig

CONFIG_NAME = "qms.yaml"


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: WorkspaceConfig

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def docs_dir(self) -> Path:
        return (self.root / self.config.docs_dir).resolve()

    @property
    def database_url(self) -> str:
        """QMS_DATABASE_URL, else the configured URL (a relative SQLite path taken from
        the workspace), else qms.db in the workspace: `qms.db.resolve_database_url`."""
        from .db.engine import resolve_database_url

        return resolve_database_url(None, self.config.database_url, self.root)


def find_workspace(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: cwd) holding qms.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_workspace(root: Path | None = None) -> Workspace | None:
    """The workspace at `root`, or the one found from cwd; None when there is none.

    A `qms.yaml` with mistakes raises ValidationFailed with file:line messages.
    """
    if root is None:
        root = find_workspace()
        if root is None:
            return None
    root = Path(root).resolve()
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise QmsError(_("{path} is not a qms workspace (no {name})").format(path=root, name=CONFIG_NAME))
    from .core.model_file import load_model_file

    config = load_model_file(config_path, WorkspaceConfig)
    return Workspace(root=root, config=config)


SAMPLE_UNITS = """\
units:
  MOTCUA: {vi: Bộ phận Một cửa, en: One-stop desk}
  PHONG_DKKD: {vi: Phòng Đăng ký kinh doanh, en: Business Registration Office}
  SO_TU_PHAP: {vi: Sở Tư pháp, en: Department of Justice}
  SO_XAY_DUNG: {vi: Sở Xây dựng, en: Department of Construction}
  VPDK_DAT_DAI: {vi: Văn phòng Đăng ký đất đai, en: Land Registration Office}
  SO_NN_MT: {vi: Sở Nông nghiệp và Môi trường, en: Department of Agriculture and Environment}
  UBND_XA: {vi: Ủy ban nhân dân cấp xã, en: Commune People's Committee}
  LANH_DAO: {vi: Lãnh đạo cơ quan, en: Agency leadership}
"""
# An empty workspace takes units as its log names them until the office lists its own.
NO_UNITS = """\
# Units (unit code -> name). Empty: documents may name any unit; list yours to have
# every document's units checked against the list.
units: {}
"""


def default_config(name: str = "Trung tâm Phục vụ hành chính công tỉnh (minh họa)", sample_units: bool = True) -> str:
    """The text of a new qms.yaml: an illustrative organisation, users and signatories."""
    units = SAMPLE_UNITS if sample_units else NO_UNITS
    return f"""\
# qms workspace configuration. Illustrative values: replace them with your own.
# Reference: docs/process-documents.md, section "Workspace configuration".
organisation:
  name:
    vi: {name}
    en: Provincial Public Administration Service Centre (illustrative)
  parent:
    vi: Ủy ban nhân dân tỉnh
    en: Provincial People's Committee
  address: Số 1 đường Trung tâm, thành phố tỉnh lỵ

# Folder of the process-document library, relative to this file.
docs_dir: process_docs
# Calendar document to use (code of a `kind: calendar` document); empty = the only one.
calendar: null
# SQLAlchemy URL of the register database; empty = qms.db next to this file.
# The QMS_DATABASE_URL environment variable overrides it.
database_url: null
language: vi

{units}
users:
  iso.secretary:
    name: Nguyễn Thị Lan
    title: {{vi: Thư ký ISO, en: ISO secretary}}
    unit: MOTCUA
    roles: [quality_officer, auditor]
  deputy.director:
    name: Trần Văn Minh
    title: {{vi: Phó Giám đốc, en: Deputy Director}}
    unit: LANH_DAO
    roles: [manager]
  auditor.justice:
    name: Lê Hoàng Nam
    title: {{vi: Chuyên viên Sở Tư pháp, en: "Officer, Department of Justice"}}
    unit: SO_TU_PHAP
    roles: [auditor]
  inspector:
    name: Phạm Thu Hà
    title: {{vi: Thanh tra viên, en: Inspector}}
    roles: [inspector]

signatories:
  prepared_by: iso.secretary
  reviewed_by: auditor.justice
  approved_by: deputy.director

targets:
  on_time_rate: 0.95
  online_share: 0.5
  max_open_overdue: 0
"""


def init_workspace(directory: Path, *, force: bool = False, empty: bool = False, timezone: str = "Asia/Ho_Chi_Minh",
                   country: str | None = "VN") -> Workspace:
    """Create a workspace in `directory`: qms.yaml and a copy of the sample library, or,
    with `empty`, a library with only a draft working calendar for `timezone` and
    `country` (for a log from elsewhere: its procedures are the user's to write)."""
    from .core.resources import sample_library_dir

    directory = Path(directory)
    config_path = directory / CONFIG_NAME
    if config_path.exists() and not force:
        raise QmsError(_("{path} already exists; not overwriting it").format(path=config_path))
    docs_dir = directory / "process_docs"
    if docs_dir.exists() and any(docs_dir.iterdir()) and not force:
        raise QmsError(_("{path} already exists and is not empty; not overwriting it").format(path=docs_dir))
    directory.mkdir(parents=True, exist_ok=True)
    if empty:
        _write_empty_library(docs_dir, timezone, country)
    else:
        shutil.copytree(sample_library_dir(), docs_dir, dirs_exist_ok=True)
    config_path.write_text(default_config(sample_units=not empty), encoding="utf-8")
    # Load what was written, so a broken template can never be handed out.
    workspace = load_workspace(directory)
    assert workspace is not None
    return workspace


EMPTY_LIBRARY_FOLDERS = ("procedures", "rulesets", "checklists", "calendars", "indicators")


def _write_empty_library(docs_dir: Path, timezone: str, country: str | None) -> None:
    """A library with no Vietnamese sample content: the folders, and a draft calendar
    (every check needs one) that the user reviews and approves."""
    from .model.calendar import CalendarSettings

    from pydantic import ValidationError

    # the zone and country are checked before anything is written
    try:
        CalendarSettings(code="LICH", issue=1, effective_from="2000-01-01", title={"vi": "Lịch"},
                         timezone=timezone, country=country)
    except ValidationError as error:
        raise QmsError(_("--timezone/--country: {problem}").format(
            problem="; ".join(str(e.get("ctx", {}).get("error", e["msg"])) for e in error.errors()))) from None
    for folder in EMPTY_LIBRARY_FOLDERS:
        (docs_dir / folder).mkdir(parents=True, exist_ok=True)
    calendar_dir = docs_dir / "calendars" / "LICH"
    calendar_dir.mkdir(parents=True, exist_ok=True)
    country_text = f'"{country}"' if country else "null"
    (calendar_dir / "issue-1.yaml").write_text(f"""\
# Working calendar: office hours, public holidays (the `holidays` package for `country`)
# and per-year corrections. Review it, then approve it: qms docs approve LICH --issue 1
# Reference: docs/calendar.md
kind: calendar
code: LICH
issue: 1
status: draft
effective_from: 2000-01-01
title:
  vi: Lịch làm việc
  en: Working calendar
timezone: {timezone}
country: {country_text}
office_hours:
  mon: [{{start: "08:00", end: "12:00"}}, {{start: "13:00", end: "17:00"}}]
  tue: [{{start: "08:00", end: "12:00"}}, {{start: "13:00", end: "17:00"}}]
  wed: [{{start: "08:00", end: "12:00"}}, {{start: "13:00", end: "17:00"}}]
  thu: [{{start: "08:00", end: "12:00"}}, {{start: "13:00", end: "17:00"}}]
  fri: [{{start: "08:00", end: "12:00"}}, {{start: "13:00", end: "17:00"}}]
working_day_hours: 8
# A limit in calendar days ending on a day off: next_working_day (Vietnam, Civil Code
# art. 148) or keep
calendar_days_due_on_day_off: next_working_day
""", encoding="utf-8")
