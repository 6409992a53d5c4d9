"""Over-long text from a log or a user: the same clear refusal on SQLite and
PostgreSQL (PostgreSQL used to fail with StringDataRightTruncation, SQLite stored
it), and a refused NC burns no number (issue 11 §8)."""

from __future__ import annotations

import pytest

from qms.capa import list_ncs, raise_from_check, raise_nc
from qms.records import verify_register
from qms.core.errors import QmsError


def test_an_over_long_title_is_refused_alike_and_burns_no_number(db, workspace_config):
    with pytest.raises(QmsError, match=r"nonconformity\.title: 501 characters, at most 500 fit"):
        raise_nc(db, workspace_config, "lan", title="x" * 501, severity="minor")
    with pytest.raises(QmsError, match=r"nonconformity\.title: 600 characters"):
        raise_nc(db, workspace_config, "lan", title="y" * 600, severity="minor")
    raised = raise_nc(db, workspace_config, "lan", title="Hồ sơ trễ hạn", severity="minor")
    assert raised.code == "NC-0001"
    assert raise_nc(db, workspace_config, "lan", title="Hồ sơ thứ hai", severity="minor").code == "NC-0002"
    assert verify_register(db).ok


def test_a_unit_over_100_characters_from_a_check_is_refused_before_any_insert(db, workspace_config, tmp_path,
                                                                              check_samples):
    cs = check_samples
    long_unit = "U" * 101
    check = cs.write(tmp_path / "check", [*cs.findings(), cs.finding("HS-002", unit=long_unit)], cs.received)
    with pytest.raises(QmsError, match=r"nonconformity\.unit: 101 characters, at most 100 fit"):
        raise_from_check(db, workspace_config, "lan", check)
    assert list_ncs(db) == []
    good = cs.write(tmp_path / "good", cs.findings(), cs.received)
    codes = sorted(r.code for r in raise_from_check(db, workspace_config, "lan", good).raised)
    assert codes == ["NC-0001", "NC-0002", "NC-0003", "NC-0004"]


def test_raise_from_check_refuses_a_check_folder_left_incomplete(db, workspace_config, tmp_path, check_samples):
    """A check killed while writing its set (the marker stays) raises no NC (issue 11 §5)."""
    from qms.core.output_set import writing_set

    cs = check_samples
    check = cs.write(tmp_path / "check", cs.findings(), cs.received)
    with pytest.raises(RuntimeError), writing_set(check) as names:
        names.append("findings.parquet")
        raise RuntimeError("killed")  # the run stops before its manifest
    with pytest.raises(QmsError, match="incomplete"):
        raise_from_check(db, workspace_config, "lan", check)
    assert list_ncs(db) == []
