"""Property: whatever the rows hold, every row is accepted or rejected, once."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest_support import MOTCUA_HEADER, write_csv_text
from qms.core.errors import QmsError
from qms.ingest import convert_log

cells = {
    "dossier": st.sampled_from(["H1", "H2", "H3", "", " ", "Hồ sơ 4"]),
    "code": st.sampled_from(["1.001193", "", "QT-01"]),
    "channel": st.sampled_from(["Trực tiếp", "trực tuyến TOÀN TRÌNH", "Mức độ 3", "Fax", "", "BCCI"]),
    "when": st.sampled_from(["03/03/2025 08:00", "2025-03-03T08:00:00+07:00", "31/02/2025 08:00", "", "hôm nay", "3/3/2025"]),
    "status": st.sampled_from(["Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "", "Đã trả kết quả", "ĐÃ GIẢI QUYẾT"]),
    "text": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=30),
}
row = st.tuples(cells["dossier"], cells["code"], cells["channel"], cells["when"], cells["when"],
                cells["status"], cells["text"], cells["text"], cells["when"], cells["text"]).map(list)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12))
def test_rows_read_equals_accepted_plus_rejected(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("reconcile")
    path = folder / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)
    out, rejects = folder / "events.parquet", folder / "rejects.csv"
    # blank rows after the last row with content are end-of-file padding, not rows
    expected = max((i + 1 for i, cells in enumerate(rows) if any(cells)), default=0)
    if expected == 0:
        with pytest.raises(QmsError):  # nothing but blank rows: a file without data rows
            convert_log(path, out, "motcua", rejects=rejects)
        return
    rows = rows[:expected]
    report = convert_log(path, out, "motcua", rejects=rejects)
    assert report.rows_read == len(rows)
    assert report.rows_read == report.rows_accepted + report.rows_rejected
    accepted = pl.read_parquet(out)
    rejected = pl.read_csv(rejects, infer_schema=False)
    assert accepted.height == report.rows_accepted and rejected.height == report.rows_rejected
    lines = sorted(accepted["source_row"].to_list() + [int(r) for r in rejected["source_row"]])
    assert lines == list(range(2, len(rows) + 2))  # each row exactly once
    assert sum(report.rejected_by_reason.values()) == report.rows_rejected
    assert report.data_quality().rows_read == report.rows_read
