"""The web workspace under test: the ASGI app over a register database (SQLite and
PostgreSQL, from tests/conftest.py), users with passwords, and a logged-in client."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from qms.auth import set_password
from qms.model.workspace import WorkspaceConfig
from qms.web.app import create_app

PASSWORD = "mật-khẩu-đủ-dài"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """argon2id still, at the smallest cost: the suite hashes hundreds of passwords
    (the production cost is argon2-cffi's recommended default)."""
    from argon2 import PasswordHasher

    from qms.auth import credentials

    monkeypatch.setattr(credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def web_config() -> WorkspaceConfig:
    return WorkspaceConfig.model_validate({
        "organisation": {"name": {"vi": "Trung tâm Phục vụ hành chính công tỉnh X", "en": "Service centre X"}},
        "units": {"TNMT": {"vi": "Sở Tài nguyên và Môi trường"}, "TP": {"vi": "Sở Tư pháp"}},
        "users": {
            "lan": {"name": "Nguyễn Thị Lan", "unit": "TP", "roles": ["quality_officer"]},
            "hung": {"name": "Trần Văn Hùng", "roles": ["manager"]},
            "mai": {"name": "Lê Thị Mai", "unit": "TP", "roles": ["auditor"]},
            "tra": {"name": "Đỗ Thanh Trà", "roles": ["inspector"]},
            "binh": {"name": "Võ Văn Bình", "unit": "TNMT", "roles": []},
        },
    })


@pytest.fixture
def web(db, web_config, tmp_path):
    """(app, db, config) with passwords for every user."""
    for user in web_config.users:
        set_password(db, web_config, user, PASSWORD)
    return create_app(web_config, db, tmp_path, secret_key="test-secret"), db, web_config


@pytest.fixture
def workspace_web(db, web_config, tmp_path):
    """The app over a workspace whose library is the approved sample."""
    from check_support import approved_sample_library

    library = approved_sample_library()
    config = web_config.model_copy(update={"docs_dir": str(library.root)})
    for user in config.users:
        set_password(db, config, user, PASSWORD)
    return create_app(config, db, tmp_path / "ws", secret_key="test-secret"), db, config


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"username": user, "password": password, "csrf_token": csrf_of(page.text),
                                       "next": "/nc"}, follow_redirects=False)


@pytest.fixture
def client_for(web):
    """client_for("lan"): a TestClient logged in as that user."""
    app = web[0]
    clients = []

    def make(user: str | None = None, **options) -> TestClient:
        client = TestClient(app, **options)
        clients.append(client)
        if user:
            assert login(client, user).status_code == 303
        return client

    yield make
    for client in clients:
        client.close()


def synthetic_check(tmp_path, dossiers: int = 150):
    """A real `qms check` output folder over a synthetic log (and the log's path)."""
    from check_support import approved_sample_library
    from qms.check.api import run_check, write_outputs
    from qms.synth import generate_log
    from qms.synth.output import write_events

    library = approved_sample_library()
    log = generate_log(library, dossiers, seed=3, defect_rate=0.3)
    write_events(log.events, tmp_path / "log.parquet", "parquet")
    write_outputs(run_check(tmp_path / "log.parquet", library), tmp_path / "out")
    return tmp_path / "out", library
