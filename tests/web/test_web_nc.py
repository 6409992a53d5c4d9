"""The NC pages through the ASGI client: list with filters and paging, detail,
workflow steps as form posts under the logged-in user, the conflict message."""

from __future__ import annotations

import json

from sqlalchemy import select

from qms.capa import raise_nc, show_nc
from qms.records import verify_register
from qms.db.tables import HistoryEntry

from web.conftest import csrf_of


def _raise(db, config, n=1, **fields):
    for i in range(n):
        raise_nc(db, config, "lan", title=fields.get("title", f"Hồ sơ trễ hạn {i}"), severity=fields.get(
            "severity", "major" if i % 2 else "minor"), unit=fields.get("unit", "TP" if i % 3 else "TNMT"),
                 procedure_code="QT-01")


def test_list_filters_and_pages_in_vietnamese(web, client_for):
    _app, db, config = web
    _raise(db, config, 60)
    client = client_for("hung")
    page = client.get("/nc")
    assert page.status_code == 200 and 'lang="vi"' in page.text and "60 sự không phù hợp" in page.text
    assert len(show_codes(page.text)) == 50 and show_codes(page.text)[0] == "NC-0060"  # newest first
    second = client.get("/nc", params={"page": 2})
    assert show_codes(second.text) == [f"NC-{n:04d}" for n in range(10, 0, -1)]
    oldest_first = client.get("/nc", params={"sort": "code", "dir": "asc"})
    assert show_codes(oldest_first.text)[:2] == ["NC-0001", "NC-0002"]
    majors = client.get("/nc", params={"severity": "major", "unit": "TNMT"})
    assert sorted(show_codes(majors.text)) == [f"NC-{i + 1:04d}" for i in range(60) if i % 2 and not i % 3]
    assert client.get("/nc", params={"state": "nonsense"}).status_code == 200  # unknown value: ignored
    partial = client.get("/nc", params={"unit": "TP"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "sự không phù hợp" in partial.text  # HTMX gets the rows only


def show_codes(html: str) -> list[str]:
    import re

    return re.findall(r'href="/nc/(NC-\d+)"', html)


def test_a_workflow_step_is_taken_as_the_logged_in_user(web, client_for):
    _app, db, config = web
    _raise(db, config, 1)
    client = client_for("lan")
    page = client.get("/nc/NC-0001")
    assert 'action="/nc/NC-0001/steps/contain"' in page.text
    answer = client.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(page.text), "expected_version": "1", "containment": "Tạm dừng tiếp nhận"},
        follow_redirects=False)
    assert answer.status_code == 303
    nc = show_nc(db, "NC-0001")
    assert nc.state == "containment" and nc.containment == "Tạm dừng tiếp nhận"
    with db.reading() as session:
        last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq.desc())).first()
    assert (last.actor, last.action) == ("lan", "contain")
    assert verify_register(db).ok


def test_the_second_editor_gets_a_conflict_showing_what_changed(web, client_for):
    _app, db, config = web
    _raise(db, config, 1)
    first, second = client_for("lan"), client_for("hung")
    page_first, page_second = first.get("/nc/NC-0001"), second.get("/nc/NC-0001")
    assert first.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(page_first.text), "expected_version": "1", "containment": "Biện pháp A"},
        follow_redirects=False).status_code == 303
    late = second.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(page_second.text), "expected_version": "1", "containment": "Biện pháp B"})
    assert late.status_code == 409
    assert "lan" in late.text and "Biện pháp A" in late.text and "containment" in late.text
    assert show_nc(db, "NC-0001").containment == "Biện pháp A"


def test_steps_are_shown_only_to_roles_allowed_and_refused_with_403(web, client_for):
    _app, db, config = web
    _raise(db, config, 1)
    inspector = client_for("tra")
    page = inspector.get("/nc/NC-0001")
    assert page.status_code == 200 and "/steps/" not in page.text
    refused = inspector.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(page.text), "expected_version": "1", "containment": "x"})
    assert refused.status_code == 403 and show_nc(db, 1).state == "open"
    auditor = client_for("mai")
    refused = auditor.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(auditor.get("/nc").text), "containment": "x"})
    assert refused.status_code == 403


def test_a_refused_step_says_why(web, client_for):
    _app, db, config = web
    _raise(db, config, 1)
    client = client_for("lan")
    answer = client.post("/nc/NC-0001/steps/contain", data={
        "csrf_token": csrf_of(client.get("/nc").text), "containment": "   "})
    assert answer.status_code == 422 and "role=\"alert\"" in answer.text


def test_json_api_with_a_token(web):
    from starlette.testclient import TestClient

    from qms.auth import issue_token

    app, db, config = web
    _raise(db, config, 3)
    token = issue_token(db, config, "tra")
    with TestClient(app) as client:
        assert client.get("/api/nc").status_code == 401
        assert client.get("/api/nc", headers={"Authorization": "Bearer qms_wrong"}).status_code == 401
        listing = client.get("/api/nc", headers={"Authorization": f"Bearer {token}"})
        assert listing.status_code == 200 and listing.json()["total"] == 3
        one = client.get("/api/nc/NC-0002", headers={"Authorization": f"Bearer {token}"}).json()
        assert one["code"] == "NC-0002" and json.dumps(one)


def test_the_whole_workflow_through_the_forms(web, client_for):
    """Each step's form, as the page renders it, carries what its capa function needs."""
    import datetime as dt

    _app, db, config = web
    _raise(db, config, 1)
    officer, manager, auditor, owner = client_for("lan"), client_for("hung"), client_for("mai"), client_for("binh")
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()

    def post(client, path, **fields):
        page = client.get("/nc/NC-0001")
        version = show_nc(db, 1).version
        answer = client.post(path, data={"csrf_token": csrf_of(page.text), "expected_version": str(version), **fields},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text[-2000:]

    post(officer, "/nc/NC-0001/steps/contain", containment="Tạm dừng")
    post(officer, "/nc/NC-0001/steps/analyse", why1="Không theo dõi hạn", why2="Phần mềm không cảnh báo",
         root_cause="Thiếu cảnh báo hạn")
    assert 'name="action1_owner"' in officer.get("/nc/NC-0001").text
    post(officer, "/nc/NC-0001/steps/plan", action1_description="Bật cảnh báo hạn", action1_owner="binh",
         action1_due=due)
    assert "/steps/approve" not in officer.get("/nc/NC-0001").text  # only a manager approves
    post(manager, "/nc/NC-0001/steps/approve")
    assert "/actions/1/done" in owner.get("/nc/NC-0001").text  # the action's owner may mark it done
    post(owner, "/nc/NC-0001/actions/1/done", note="Đã bật")
    post(officer, "/nc/NC-0001/steps/implement")
    post(auditor, "/nc/NC-0001/steps/verify", effective="yes", note="Không còn hồ sơ trễ")
    nc = show_nc(db, 1)
    assert nc.state == "closed" and nc.cause_analysis == ["Không theo dõi hạn", "Phần mềm không cảnh báo"]
    assert [h.actor for h in nc.history] == ["lan", "lan", "lan", "lan", "hung", "binh", "lan", "mai"]
    assert verify_register(db).ok
    closed = officer.get("/nc/NC-0001").text
    assert "/steps/" not in closed and "Không còn hồ sơ trễ" in closed


def test_overdue_filter(web, client_for):
    import datetime as dt

    from qms.capa import PlannedAction, advance

    _app, db, config = web
    _raise(db, config, 2)
    advance(db, config, "lan", 1, "contain", containment="x")
    advance(db, config, "lan", 1, "analyse", whys=["a"], root_cause="b")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    advance(db, config, "hung", 1, "plan", actions=[PlannedAction("A", "binh", yesterday)], today=yesterday)
    client = client_for("hung")
    assert show_codes(client.get("/nc", params={"overdue": "1"}).text) == ["NC-0001"]
