"""The NC workflow: every step allowed and refused, role checks, follow-up cycles."""

from __future__ import annotations

import datetime as dt

import pytest

from qms.capa import (
    NotFound, PermissionRefused, PlannedAction, TransitionRefused, advance, complete_action, list_ncs,
    overdue_actions, raise_nc, show_nc,
)

TODAY = dt.date(2026, 11, 26)


def _raise(db, cfg, **extra):
    fields = {"title": "Hồ sơ trả trễ hạn không có phiếu xin lỗi", "severity": "minor", "clause": "8.5.1",
              "unit": "TNMT", **extra}
    return raise_nc(db, cfg, "lan", **fields)


def _to_action_plan(db, cfg, code, owner="binh", due=TODAY + dt.timedelta(days=14)):
    advance(db, cfg, "lan", code, "contain", containment="Gửi phiếu xin lỗi cho 12 hồ sơ còn lại")
    advance(db, cfg, "hung", code, "analyse", whys=["Cán bộ không theo dõi hạn", "Phần mềm không cảnh báo"],
            root_cause="Không có cảnh báo hạn trong phần mềm")
    advance(db, cfg, "lan", code, "plan", today=TODAY,
            actions=[PlannedAction("Bật cảnh báo hạn", owner, due), PlannedAction("Đào tạo cán bộ một cửa", "lan", due)])
    return advance(db, cfg, "hung", code, "approve")


def test_full_cycle_to_closure(db, workspace_config):
    cfg = workspace_config
    nc = _raise(db, cfg)
    assert (nc.code, nc.state, nc.cycle, nc.version) == ("NC-0001", "open", 1, 1)
    planned = _to_action_plan(db, cfg, "NC-0001")
    assert planned.state == "action_plan" and [a.number for a in planned.actions] == [1, 2]
    complete_action(db, cfg, "binh", "NC-0001", 1, note="Đã bật")  # the owner, without any role
    complete_action(db, cfg, "hung", "NC-0001", 2)  # a manager for someone else
    advance(db, cfg, "lan", "NC-0001", "implement")
    closed = advance(db, cfg, "mai", "NC-0001", "verify", effective=True, note="3 tháng không trễ hạn")
    assert closed.state == "closed" and closed.closed_at
    assert closed.verifications[0].effective is True
    shown = show_nc(db, 1)
    assert [h.action for h in shown.history] == [
        "raise", "contain", "analyse", "plan", "approve", "complete_action:1", "complete_action:2", "implement",
        "verify"]
    assert shown.version == 9 and shown.plan_approved_by == "hung"


def test_not_effective_opens_a_follow_up_cycle_on_the_same_nc(db, workspace_config):
    cfg = workspace_config
    _raise(db, cfg)
    _to_action_plan(db, cfg, 1)
    complete_action(db, cfg, "binh", 1, 1)
    complete_action(db, cfg, "lan", 1, 2)
    advance(db, cfg, "lan", 1, "implement")
    again = advance(db, cfg, "hung", 1, "verify", effective=False, note="Vẫn còn hồ sơ trễ tháng 10")
    assert (again.state, again.cycle) == ("containment", 2)
    # New cause analysis and new actions, numbered after the first cycle's.
    advance(db, cfg, "lan", 1, "analyse", fishbone={"methods": ["Quy trình không quy định thời điểm xin lỗi"]},
            root_cause="Quy trình thiếu bước")
    planned = advance(db, cfg, "lan", 1, "plan", today=TODAY,
                      actions=[PlannedAction("Sửa quy trình QT-01", "lan", TODAY)])
    assert [(a.number, a.cycle) for a in planned.actions] == [(1, 1), (2, 1), (3, 2)]
    assert planned.plan_approved_by is None  # each cycle's plan is approved again
    with pytest.raises(TransitionRefused, match="not approved yet.*actions not done yet: 3"):
        advance(db, cfg, "lan", 1, "implement")  # only the new cycle's action counts as pending
    advance(db, cfg, "hung", 1, "approve")
    complete_action(db, cfg, "lan", 1, 3)
    advance(db, cfg, "lan", 1, "implement")
    with pytest.raises(TransitionRefused, match="owns actions 3"):
        _verify_as_owner(db, cfg)
    closed = advance(db, cfg, "mai", 1, "verify", effective=True, note="Không còn trễ")
    assert closed.state == "closed" and [v.cycle for v in closed.verifications] == [1, 2]


def _verify_as_owner(db, cfg):
    # 'lan' owns action 3; give her the manager role too so only ownership blocks her.
    cfg = cfg.model_copy(deep=True)
    cfg.users["lan"].roles.append("manager")
    return advance(db, cfg, "lan", 1, "verify", effective=True, note="ok")


@pytest.mark.parametrize("step, state", [
    ("analyse", "open"), ("plan", "open"), ("implement", "open"), ("verify", "open"),
])
def test_steps_out_of_order_are_refused_with_the_possible_steps(db, workspace_config, step, state):
    _raise(db, workspace_config)
    with pytest.raises(TransitionRefused) as refused:
        advance(db, workspace_config, "hung", 1, step)
    assert f"'{state}'" in str(refused.value) and "contain" in str(refused.value)


def test_every_state_refuses_every_step_but_its_own(db, workspace_config):
    cfg = workspace_config
    _raise(db, cfg)
    expected = {"open": "contain", "containment": "analyse", "cause_analysis": "plan",
                "action_plan": "implement", "implemented": "verify"}
    payloads = {
        "contain": {"containment": "Tạm dừng"},
        "analyse": {"whys": ["vì"], "root_cause": "gốc"},
        "plan": {"actions": [PlannedAction("Làm", "binh", TODAY)], "today": TODAY},
        "implement": {},
        "verify": {"effective": True, "note": "ok"},
    }
    state = "open"
    while state != "closed":
        for step in payloads:
            if step != expected[state]:
                with pytest.raises(TransitionRefused, match=f"'{state}'"):
                    advance(db, cfg, "hung", 1, step, **payloads[step])
        if state == "action_plan":
            complete_action(db, cfg, "binh", 1, 1)
        state = advance(db, cfg, "hung" if expected[state] != "verify" else "mai", 1, expected[state],
                        **payloads[expected[state]]).state
    with pytest.raises(TransitionRefused, match="'closed'"):
        advance(db, cfg, "hung", 1, "contain", containment="x")


def test_step_data_is_validated(db, workspace_config):
    cfg = workspace_config
    _raise(db, cfg)
    with pytest.raises(TransitionRefused, match="containment"):
        advance(db, cfg, "lan", 1, "contain", containment="  ")
    advance(db, cfg, "lan", 1, "contain", containment="Tạm dừng")
    with pytest.raises(TransitionRefused, match="why") as refused:
        advance(db, cfg, "lan", 1, "analyse", whys=[])
    assert "root cause" in str(refused.value)
    with pytest.raises(TransitionRefused, match="unknown fishbone categories money"):
        advance(db, cfg, "lan", 1, "analyse", fishbone={"money": ["x"]}, root_cause="y")
    advance(db, cfg, "lan", 1, "analyse", whys=["a", "b"], root_cause="c")
    with pytest.raises(TransitionRefused) as refused:
        advance(db, cfg, "lan", 1, "plan", today=TODAY, actions=[
            PlannedAction("", "tra", TODAY - dt.timedelta(days=1)), PlannedAction("ok", "nobody", TODAY)])
    message = str(refused.value)
    assert "action 1: the description is empty" in message
    assert "owner 'tra'" in message and "owner 'nobody'" in message and "in the past" in message
    with pytest.raises(TransitionRefused, match="at least one"):
        advance(db, cfg, "lan", 1, "plan", actions=[])
    with pytest.raises(TransitionRefused, match="Unknown step"):
        advance(db, cfg, "lan", 1, "close")
    assert show_nc(db, 1).state == "cause_analysis"  # nothing half-applied


def test_roles(db, workspace_config):
    cfg = workspace_config
    with pytest.raises(PermissionRefused, match="read-only"):
        raise_nc(db, cfg, "tra", title="x", severity="minor")
    with pytest.raises(PermissionRefused, match="not in the workspace"):
        raise_nc(db, cfg, "ghost", title="x", severity="minor")
    with pytest.raises(PermissionRefused, match="binh.*may not raise"):
        raise_nc(db, cfg, "binh", title="x", severity="minor")
    raise_nc(db, cfg, "mai", title="Auditor raises", severity="major")  # auditors may raise
    with pytest.raises(PermissionRefused, match="record the containment: .*manager, quality officer.*has: auditor"):
        advance(db, cfg, "mai", 1, "contain", containment="x")
    advance(db, cfg, "lan", 1, "contain", containment="x")
    advance(db, cfg, "lan", 1, "analyse", whys=["a"], root_cause="b")
    advance(db, cfg, "lan", 1, "plan", today=TODAY, actions=[PlannedAction("Làm", "son", TODAY)])
    with pytest.raises(TransitionRefused, match="not approved yet"):
        complete_action(db, cfg, "son", 1, 1)  # work starts once a manager approved the plan
    with pytest.raises(PermissionRefused, match="may not approve.*needs one of the roles manager"):
        advance(db, cfg, "lan", 1, "approve")
    advance(db, cfg, "hung", 1, "approve")
    with pytest.raises(TransitionRefused, match="already approved by hung"):
        advance(db, cfg, "hung", 1, "approve")
    with pytest.raises(PermissionRefused, match="mark an action done"):
        complete_action(db, cfg, "mai", 1, 1)  # an auditor who does not own it
    complete_action(db, cfg, "son", 1, 1)
    with pytest.raises(TransitionRefused, match="already done"):
        complete_action(db, cfg, "son", 1, 1)
    advance(db, cfg, "hung", 1, "implement")
    with pytest.raises(PermissionRefused, match="verify"):
        advance(db, cfg, "lan", 1, "verify", effective=True, note="ok")  # quality officer may not verify
    with pytest.raises(TransitionRefused, match="owns actions 1"):
        advance(db, cfg, "son", 1, "verify", effective=True, note="ok")  # nor the action's owner
    with pytest.raises(PermissionRefused, match="read-only"):
        advance(db, cfg, "tra", 1, "verify", effective=True, note="ok")
    assert advance(db, cfg, "mai", 1, "verify", effective=True, note="ok").state == "closed"


def test_raise_validation_and_lookup(db, workspace_config):
    with pytest.raises(TransitionRefused) as refused:
        raise_nc(db, workspace_config, "lan", title=" ", severity="critical", unit="XYZ")
    message = str(refused.value)
    assert "title is empty" in message and "critical" in message and "XYZ" in message
    with pytest.raises(NotFound):
        show_nc(db, "NC-0042")
    with pytest.raises(NotFound, match="not a nonconformity code"):
        show_nc(db, "AB-1")


def test_list_filters_and_overdue(db, workspace_config):
    cfg = workspace_config
    _raise(db, cfg)
    _raise(db, cfg, unit="TP", severity="major")
    _to_action_plan(db, cfg, 1, owner="binh", due=TODAY)
    rows = list_ncs(db)
    assert [(r.code, r.state, r.open_actions) for r in rows] == [
        ("NC-0001", "action_plan", 2), ("NC-0002", "open", 0)]
    assert [r.code for r in list_ncs(db, unit="TP")] == ["NC-0002"]
    assert [r.code for r in list_ncs(db, state="open")] == ["NC-0002"]
    assert overdue_actions(db, today=TODAY) == []
    late = overdue_actions(db, today=TODAY + dt.timedelta(days=3))
    assert [(r.nc, r.action, r.owner, r.days_overdue) for r in late] == [
        ("NC-0001", 1, "binh", 3), ("NC-0001", 2, "lan", 3)]
    complete_action(db, cfg, "binh", 1, 1)
    assert [r.action for r in overdue_actions(db, today=TODAY + dt.timedelta(days=3))] == [2]


def test_register_summary_for_reports(db, workspace_config):
    from qms.capa import register_summary

    cfg = workspace_config
    _raise(db, cfg)
    _raise(db, cfg, unit="TP", severity="major")
    _to_action_plan(db, cfg, 1, due=TODAY)
    summary = register_summary(db, today=TODAY + dt.timedelta(days=1))
    assert summary["total"] == 2 and summary["open"] == 2
    assert summary["by_state"] == {"action_plan": 1, "open": 1}
    assert summary["by_severity"] == {"major": 1, "minor": 1} and summary["open_by_unit"] == {"TNMT": 1, "TP": 1}
    assert summary["overdue_actions"] == 2 and summary["history"]["ok"] and summary["history"]["entries"] == 6


def test_a_plan_made_by_a_manager_is_approved_as_it_is_made(db, workspace_config):
    cfg = workspace_config
    _raise(db, cfg)
    advance(db, cfg, "hung", 1, "contain", containment="x")
    advance(db, cfg, "hung", 1, "analyse", whys=["a"], root_cause="b")
    planned = advance(db, cfg, "hung", 1, "plan", today=TODAY, actions=[PlannedAction("Làm", "binh", TODAY)])
    assert planned.plan_approved_by == "hung" and planned.plan_approved_at
    complete_action(db, cfg, "binh", 1, 1)
    assert advance(db, cfg, "lan", 1, "implement").state == "implemented"


def test_register_summary_limited_to_a_period_lists_its_ncs_with_actions(db, workspace_config):
    from qms.capa import register_summary

    cfg = workspace_config
    _raise(db, cfg)
    _raise(db, cfg, unit="TP", severity="major")
    _to_action_plan(db, cfg, 1, due=TODAY)
    now = dt.datetime.now(dt.timezone.utc)
    earlier = register_summary(db, period=(dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
                                           dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)))
    assert earlier["total"] == 0 and earlier["nonconformities"] == [] and earlier["overdue_actions"] == 0
    current = register_summary(db, today=TODAY + dt.timedelta(days=1),
                               period=(now - dt.timedelta(days=1), now + dt.timedelta(days=1)))
    assert current["total"] == 2 and current["overdue_actions"] == 2
    listed = {item["nc"]: item for item in current["nonconformities"]}
    assert set(listed) == {"NC-0001", "NC-0002"}
    assert listed["NC-0001"]["state"] == "action_plan" and listed["NC-0002"]["state"] == "open"
    assert [(a["action"], a["due_date"], a["done"]) for a in listed["NC-0001"]["actions"]] == [
        (1, TODAY.isoformat(), False), (2, TODAY.isoformat(), False)]
