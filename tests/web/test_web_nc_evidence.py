"""/nc/{code}: each dossier of the evidence links to the dossier page of the check
run that attached it, not to the newest run."""

from __future__ import annotations

import re

from check_support import approved_sample_library
from qms.capa import list_ncs, raise_from_check, show_nc
from qms.check.api import run_check, write_outputs
from qms.check_runs import register_check_run
from qms.synth import generate_log
from qms.synth.output import write_events


def _run(db, tmp_path, name: str, dossiers: int):
    library = approved_sample_library()
    log = generate_log(library, dossiers, seed=3, defect_rate=0.3)
    write_events(log.events, tmp_path / f"{name}.parquet", "parquet")
    write_outputs(run_check(tmp_path / f"{name}.parquet", library), tmp_path / name)
    return register_check_run(db, tmp_path / name)


def test_evidence_links_to_the_run_the_nc_came_from(web, client_for, tmp_path):
    _app, db, config = web
    first = _run(db, tmp_path, "first", 150)
    raise_from_check(db, config, "lan", first.out_dir, period="quarter")
    before = {nc.code: {item.ref for item in show_nc(db, nc.code).evidence_items} for nc in list_ncs(db)}
    second = _run(db, tmp_path, "second", 400)  # newer, and a superset of the first log's dossiers
    raise_from_check(db, config, "lan", second.out_dir, period="quarter")
    client = client_for("tra")
    extended = 0
    for code, old_refs in before.items():
        page = client.get(f"/nc/{code}").text
        links = dict((ref, int(run)) for run, ref in
                     re.findall(r'href="/checks/(\d+)/dossiers/([^"]+)"', page))
        evidence = {item.ref for item in show_nc(db, code, evidence_limit=500).evidence_items}
        assert set(links) == evidence, code
        assert all(links[ref] == first.id for ref in old_refs), code
        new_refs = evidence - old_refs
        assert all(links[ref] == second.id for ref in new_refs), code
        extended += bool(new_refs)
    assert before and extended  # both cases were seen
    # an NC raised by hand has dossiers as evidence but no check: no link to guess
    from qms.capa import raise_nc

    manual = raise_nc(db, config, "lan", title="tay", severity="minor", evidence=[("dossier", "HS-TAY-1", "")])
    page = client.get(f"/nc/{manual.code}").text
    assert "HS-TAY-1" in page and "/dossiers/HS-TAY-1" not in page
