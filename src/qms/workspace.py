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


def default_config(name: str = "Trung tâm Phục vụ hành chính công tỉnh (minh họa)") -> str:
    """The text of a new qms.yaml: an illustrative organisation, users and signatories."""
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

units:
  MOTCUA: {{vi: Bộ phận Một cửa, en: One-stop desk}}
  PHONG_DKKD: {{vi: Phòng Đăng ký kinh doanh, en: Business Registration Office}}
  SO_TU_PHAP: {{vi: Sở Tư pháp, en: Department of Justice}}
  SO_XAY_DUNG: {{vi: Sở Xây dựng, en: Department of Construction}}
  VPDK_DAT_DAI: {{vi: Văn phòng Đăng ký đất đai, en: Land Registration Office}}
  SO_NN_MT: {{vi: Sở Nông nghiệp và Môi trường, en: Department of Agriculture and Environment}}
  UBND_XA: {{vi: Ủy ban nhân dân cấp xã, en: Commune People's Committee}}
  LANH_DAO: {{vi: Lãnh đạo cơ quan, en: Agency leadership}}

users:
  iso.secretary:
    name: Nguyễn Thị Lan
    title: Thư ký ISO
    unit: MOTCUA
    roles: [quality_officer, auditor]
  deputy.director:
    name: Trần Văn Minh
    title: Phó Giám đốc
    unit: LANH_DAO
    roles: [manager]
  auditor.justice:
    name: Lê Hoàng Nam
    title: Chuyên viên Sở Tư pháp
    unit: SO_TU_PHAP
    roles: [auditor]
  inspector:
    name: Phạm Thu Hà
    title: Thanh tra viên
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


def init_workspace(directory: Path, *, force: bool = False) -> Workspace:
    """Create a workspace in `directory`: qms.yaml and a copy of the sample library."""
    from .core.resources import sample_library_dir

    directory = Path(directory)
    config_path = directory / CONFIG_NAME
    if config_path.exists() and not force:
        raise QmsError(_("{path} already exists; not overwriting it").format(path=config_path))
    docs_dir = directory / "process_docs"
    if docs_dir.exists() and any(docs_dir.iterdir()) and not force:
        raise QmsError(_("{path} already exists and is not empty; not overwriting it").format(path=docs_dir))
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(sample_library_dir(), docs_dir, dirs_exist_ok=True)
    config_path.write_text(default_config(), encoding="utf-8")
    # Load what was written, so a broken template can never be handed out.
    workspace = load_workspace(directory)
    assert workspace is not None
    return workspace
