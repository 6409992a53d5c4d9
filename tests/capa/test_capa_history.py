"""The hash-chained history: tampering with the database directly is detected, and
concurrent writers neither fork the chain nor overwrite each other."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from qms.capa import (
    ConflictError, PlannedAction, advance, complete_action, list_ncs, raise_from_check, raise_nc, show_nc,
)
from qms.records import verify_register
from qms.capa.history import canonical_json, entry_hash

TODAY = dt.date(2026, 11, 26)


def _three_ncs_with_history(db, cfg):
    for title in ("Thiếu phiếu kiểm soát", "Trả kết quả trễ hạn", "Biểu mẫu hết hiệu lực"):
        raise_nc(db, cfg, "lan", title=title, severity="minor", unit="TP")
    advance(db, cfg, "lan", 1, "contain", containment="Rà soát hồ sơ")
    advance(db, cfg, "lan", 2, "contain", containment="Gọi điện cho người nộp")


def _execute(db, sql, **params):
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_untouched_register_verifies(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    report = verify_register(db)
    assert report.ok and report.entries == 5 and report.head_seq == 5
    assert report.first_problem is None and report.state_mismatches == []


def test_canonical_json_and_hash_are_stable():
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'
    assert entry_hash(1, "0" * 64, "2026-01-01T00:00:00.000000Z", "lan", "nonconformity", "NC-0001",
                      "raise", "null", "{}") == entry_hash(1, "0" * 64, "2026-01-01T00:00:00.000000Z", "lan",
                                                           "nonconformity", "NC-0001", "raise", "null", "{}")


def test_an_edited_entry_is_named(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    _execute(db, "UPDATE history SET actor = 'hung' WHERE seq = 2")
    report = verify_register(db)
    assert not report.ok
    assert report.first_problem.seq == 2 and "altered" in report.first_problem.reason
    assert len(report.problems) == 1  # the following entries still link to the stored hash


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    with db.engine.begin() as connection:
        row = connection.execute(text("SELECT * FROM history WHERE seq = 3")).mappings().one()
        forged_after = row["after"].replace("Biểu mẫu hết hiệu lực", "Không có gì")
        forged = entry_hash(3, row["prev_hash"], row["at"], row["actor"], row["entity"], row["entity_id"],
                            row["action"], row["before"], forged_after)
        connection.execute(text("UPDATE history SET after = :a, hash = :h WHERE seq = 3"),
                           {"a": forged_after, "h": forged})
    report = verify_register(db)
    assert report.first_problem.seq == 4 and "does not link" in report.first_problem.reason


def test_a_deleted_entry_is_named(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    _execute(db, "DELETE FROM history WHERE seq = 3")
    report = verify_register(db)
    assert report.first_problem.seq == 3 and "missing" in report.first_problem.reason


def test_a_deleted_newest_entry_is_detected_by_the_head(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    _execute(db, "DELETE FROM history WHERE seq = 5")
    report = verify_register(db)
    assert not report.ok and "newest entries are missing" in report.first_problem.reason


def test_a_change_behind_the_registers_back_is_detected(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    _execute(db, "UPDATE nonconformity SET state = 'closed' WHERE id = 3")
    report = verify_register(db)
    assert not report.ok and report.problems == []
    assert report.state_mismatches[0]["nc"] == "NC-0003" and "state" in report.state_mismatches[0]["reason"]


def _race(*jobs):
    """Run the jobs at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            outcomes[index] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_second_of_two_concurrent_writers_gets_a_conflict(db, workspace_config):
    cfg = workspace_config
    raise_nc(db, cfg, "lan", title="Hồ sơ quá hạn", severity="major", unit="TNMT")
    seen_by_both = show_nc(db, 1).version
    outcomes = _race(
        lambda: advance(db, cfg, "lan", 1, "contain", containment="Dừng nhận", expected_version=seen_by_both),
        lambda: advance(db, cfg, "hung", 1, "contain", containment="Bổ sung cán bộ", expected_version=seen_by_both),
    )
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], ConflictError)
    message = str(losers[0])
    assert "NC-0001" in message and f"version {seen_by_both}" in message and "version 2" in message
    assert show_nc(db, 1).containment == winners[0].containment
    assert verify_register(db).ok


def test_concurrent_writers_without_stale_reads_queue_up_and_keep_the_chain(db, workspace_config):
    cfg = workspace_config
    raise_nc(db, cfg, "lan", title="Hồ sơ quá hạn", severity="major", unit="TNMT")
    advance(db, cfg, "lan", 1, "contain", containment="x")
    advance(db, cfg, "lan", 1, "analyse", whys=["a"], root_cause="b")
    advance(db, cfg, "lan", 1, "plan", today=TODAY,
            actions=[PlannedAction("A", "binh", TODAY), PlannedAction("B", "son", TODAY)])
    advance(db, cfg, "hung", 1, "approve")
    outcomes = _race(
        lambda: complete_action(db, cfg, "binh", 1, 1),
        lambda: complete_action(db, cfg, "son", 1, 2),
        lambda: raise_nc(db, cfg, "hung", title="Khác", severity="minor"),
        lambda: raise_nc(db, cfg, "mai", title="Khác nữa", severity="minor"),
    )
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    shown = show_nc(db, 1)
    assert all(a.done_at for a in shown.actions) and shown.version == 7
    report = verify_register(db)
    assert report.ok and report.entries == 9


def test_the_orm_refuses_a_stale_version_even_outside_the_api(db, workspace_config):
    """The version column is checked by the UPDATE itself, not only by advance()."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from qms.db.tables import Nonconformity

    raise_nc(db, workspace_config, "lan", title="x", severity="minor")
    with Session(db.engine) as first:
        stale = first.get(Nonconformity, 1)
        first.expunge(stale)
    advance(db, workspace_config, "lan", 1, "contain", containment="y")
    with Session(db.engine) as second, pytest.raises(StaleDataError):
        merged = second.merge(stale, load=False)
        merged.title = "overwritten"
        second.commit()
    assert show_nc(db, 1).title == "x"


def test_two_concurrent_raise_from_check_runs_raise_each_group_once(db, workspace_config, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    outcomes = _race(lambda: raise_from_check(db, workspace_config, "lan", check),
                     lambda: raise_from_check(db, workspace_config, "lan", check))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(len(o.raised) for o in outcomes) == [0, 4]
    assert len(list_ncs(db)) == 4 and verify_register(db).ok


def test_two_commands_opening_a_new_database_at_once(tmp_path, request):
    """First use migrates; a second process arriving meanwhile waits, then finds it done."""
    from qms.db import current_revision, head_revision, open_database

    # SQLite refuses a connection racing the switch of a new file to WAL now and then
    # (about one race in forty here, without waiting on its busy timeout): race often
    urls = [f"sqlite:///{tmp_path / f'new-{n}.db'}" for n in range(25)]
    cluster = request.getfixturevalue("postgres_cluster")
    cluster.admin("DROP DATABASE IF EXISTS qms_first_use")
    cluster.admin("CREATE DATABASE qms_first_use")
    urls.append(cluster.url("qms_first_use"))
    for url in urls:
        outcomes = _race(lambda: open_database(url), lambda: open_database(url))
        assert all(not isinstance(o, Exception) for o in outcomes), outcomes
        assert current_revision(outcomes[0].engine) == head_revision()
        for database in outcomes:
            database.dispose()
    cluster.admin("DROP DATABASE qms_first_use WITH (FORCE)")


def test_an_nc_deleted_behind_the_registers_back_is_detected(db, workspace_config):
    _three_ncs_with_history(db, workspace_config)
    _execute(db, "DELETE FROM nonconformity WHERE id = 3")
    report = verify_register(db)
    assert not report.ok
    assert report.state_mismatches == [
        {"nc": "NC-0003", "reason": "NC-0003 is in the history but not in the database (deleted?)"}]


def test_verify_while_others_write_sees_a_consistent_snapshot(db, workspace_config):
    cfg = workspace_config
    raise_nc(db, cfg, "lan", title="first", severity="minor")
    stop = threading.Event()

    def write():
        for number in range(25):
            raise_nc(db, cfg, "lan", title=f"NC {number}", severity="minor")
        stop.set()
        return "written"

    def verify_repeatedly():
        reports = []
        while not stop.is_set():
            reports.append(verify_register(db))
        return reports

    written, reports = _race(write, verify_repeatedly)
    assert written == "written", written
    assert not isinstance(reports, Exception), reports
    assert reports and all(report.ok for report in reports), [r for r in reports if not r.ok][:1]
