"""Property: whatever single entry is edited or deleted, `verify` names it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qms.capa import advance, raise_nc
from qms.records import verify_register
from qms.db import open_database

FIELDS = ["actor", "entity_id", "action", "at", "before", "after", "prev_hash", "hash"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.integers(min_value=2, max_value=6), data=st.data())
def test_any_single_edit_or_deletion_is_named(workspace_config, entries, data):
    db = open_database("sqlite://")  # in memory: one connection for the whole example
    try:
        for number in range(entries - 1):
            raise_nc(db, workspace_config, "lan", title=f"NC {number}", severity="minor")
        advance(db, workspace_config, "lan", 1, "contain", containment="x")
        target = data.draw(st.integers(min_value=1, max_value=entries), label="entry")
        tamper = data.draw(st.sampled_from(["delete", *FIELDS]), label="tamper")
        with db.engine.begin() as connection:
            if tamper == "delete":
                connection.execute(text("DELETE FROM history WHERE seq = :s"), {"s": target})
            elif tamper in ("before", "after"):
                connection.execute(text(f'UPDATE history SET "{tamper}" = "{tamper}" || \' \' WHERE seq = :s'),
                                   {"s": target})
            else:
                connection.execute(text(f"UPDATE history SET {tamper} = 'x' || {tamper} WHERE seq = :s"),
                                   {"s": target})
        report = verify_register(db)
        assert not report.ok
        assert report.first_problem.seq == target, report
    finally:
        db.dispose()
