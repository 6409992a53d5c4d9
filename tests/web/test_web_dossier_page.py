"""/checks/{id}/dossiers/{dossier_id}: one dossier's timeline as its check judged it."""

from __future__ import annotations

import re
from urllib.parse import quote

import polars as pl
from starlette.testclient import TestClient

from check_support import approved_sample_library
from qms.check.api import run_check, write_outputs
from qms.check.dossier_timeline import dossier_timeline
from qms.check.rules import REGISTRY
from qms.check_runs import register_check_run
from qms.core.formatting import Formatter
from qms.synth import generate_log

from web.conftest import login

HOSTILE_ID = '<script>alert("x")</script>'
HOSTILE_UNIT = "<script>U</script>"


def _hostile_log(tmp_path) -> tuple[pl.DataFrame, str]:
    """A synthetic log in which a dossier that waited for a supplement has a hostile
    id and a hostile unit on its events; (the log, that dossier's original id)."""
    events = generate_log(approved_sample_library(), 150, seed=3, defect_rate=0.3).events
    waited = (events.filter(pl.col("step") == "supplement_received").select("dossier_id").unique()
              .join(events.filter(pl.col("step") == "supplement_requested").select("dossier_id").unique(),
                    on="dossier_id").sort("dossier_id"))
    original = waited["dossier_id"][0]
    ours = pl.col("dossier_id") == original
    events = events.with_columns(pl.when(ours).then(pl.lit(HOSTILE_ID)).otherwise(pl.col("dossier_id")).alias("dossier_id"),
                                 pl.when(ours).then(pl.lit(HOSTILE_UNIT)).otherwise(pl.col("unit")).alias("unit"))
    events.write_parquet(tmp_path / "log.parquet")
    return events, original


def _checked(db, tmp_path, name: str = "out"):
    write_outputs(run_check(tmp_path / "log.parquet", approved_sample_library()), tmp_path / name)
    return register_check_run(db, tmp_path / name)


def test_the_dossier_page_is_its_timeline(workspace_web, tmp_path, monkeypatch):
    from qms.web import dossier_events

    monkeypatch.setattr(dossier_events, "COPY_IN_PROCESS_BYTES", 0)  # the copy made as a big log's is
    app, db, _config = workspace_web
    events, _original = _hostile_log(tmp_path)
    run = _checked(db, tmp_path)
    expected = dossier_timeline(events, HOSTILE_ID, approved_sample_library(), as_of=run.as_of, language="vi")
    assert expected.pauses and len(expected.steps) >= 3
    with TestClient(app) as client:
        assert login(client, "tra").status_code == 303  # an inspector reads it
        page = client.get(f"/checks/{run.id}/dossiers/{quote(HOSTILE_ID)}")
        assert page.status_code == 200
        text = page.text
    # hostile id and unit escaped everywhere, never markup
    assert "<script>" not in text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
    assert "&lt;script&gt;U&lt;/script&gt;" in text
    # the steps in the order handed over, each with its officer and result label
    table = text.split('class="list timeline-steps"')[1].split("</table>")[0]
    positions = [table.index(f"<td>{step.name}</td>") for step in expected.steps]
    assert positions == sorted(positions)
    for step in expected.steps:
        assert step.officer in table
    fmt = Formatter("vi")
    results = {step.result for step in expected.steps if step.result}
    assert results
    for result in results:
        assert f"<td>{fmt.gettext({'early': 'Early', 'on_time': 'On time', 'late': 'Late'}[result])}</td>" in table
        assert f"<td>{result}</td>" not in table
    # the supplement waits drawn and listed; the moments marked on the axis
    assert text.count('class="pause"') == len(expected.pauses)
    start, end = expected.pauses[0]
    assert f"<li>{fmt.datetime(start)} – {fmt.datetime(end)}</li>" in text
    for mark in ("Bắt đầu tính", "Hẹn trả kết quả", "Hạn giải quyết theo quy định", "Tiếp nhận"):
        assert re.search(f'class="mark-label" text-anchor="(start|middle|end)">{mark}</text>', text), mark
    # the other events by their Vietnamese names, rules by their titles, not codes
    assert f'<td>{fmt.gettext("Supplement requested")}</td>' in table and "<td>supplement_requested</td>" not in table
    findings = text.split("<h2>")[-1]
    rules = pl.read_parquet(tmp_path / "out" / "findings.parquet").filter(
        pl.col("dossier_id") == HOSTILE_ID)["rule"].to_list()
    for rule in rules:
        assert REGISTRY[rule].title.in_language("vi") in findings and f">{rule}<" not in findings
    # read from the log itself until the run's copy by dossier is made, then from the copy
    pending = app.state.qms.run_events.prepare(run)
    if pending is not None:
        pending.result()
    assert (tmp_path / "ws" / ".qms" / "check-runs" / str(run.id) / "events.parquet").is_file()
    with TestClient(app) as client:
        assert login(client, "tra").status_code == 303
        again = client.get(f"/checks/{run.id}/dossiers/{quote(HOSTILE_ID)}").text
    assert again.split('class="list timeline-steps"')[1] == text.split('class="list timeline-steps"')[1]


def test_a_log_changed_since_the_check_is_said_not_shown(workspace_web, tmp_path):
    app, db, _config = workspace_web
    events, _original = _hostile_log(tmp_path)
    run = _checked(db, tmp_path)
    events.head(events.height - 1).write_parquet(tmp_path / "log.parquet")  # changed behind the run's back
    with TestClient(app) as client:
        assert login(client, "tra").status_code == 303
        page = client.get(f"/checks/{run.id}/dossiers/{quote(HOSTILE_ID)}")
    assert page.status_code == 200 and 'role="alert"' in page.text and "timeline-steps" not in page.text
    assert "đã thay đổi" in page.text


def test_findings_on_the_dossier_page_read_as_the_workbook_shows_them(workspace_web, tmp_path):
    """Expected and actual in working days and hours (not bare minutes); the message
    not repeating the rule's title."""
    app, db, _config = workspace_web
    _hostile_log(tmp_path)
    run = _checked(db, tmp_path)
    findings = pl.read_parquet(tmp_path / "out" / "findings.parquet")
    overrun = findings.filter(pl.col("rule") == "step_overrun").row(0, named=True)
    with TestClient(app) as client:
        assert login(client, "tra").status_code == 303
        text = client.get(f"/checks/{run.id}/dossiers/{quote(overrun['dossier_id'])}").text
    section = text.split("<h2>")[-1]
    row = next(r for r in section.split("<tr>") if REGISTRY["step_overrun"].title.in_language("vi") in r)
    assert "ngày làm việc" in row and "giờ làm việc" in row
    assert f"<td>{overrun['expected']}</td>" not in row and f"<td>{overrun['actual']}</td>" not in row
    assert row.count(REGISTRY["step_overrun"].title.in_language("vi")) == 1
