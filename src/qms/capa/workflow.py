"""The corrective-action workflow of one nonconformity (ISO 9001 clause 10.2).

    open --contain--> containment --analyse--> cause_analysis --plan--> action_plan
         (--approve, by a manager) --implement--> implemented
         --verify(effective)--> closed
         --verify(not effective)--> containment, cycle + 1

A state names the last stage completed. The action plan is carried out only once a
manager has approved it (a plan made by a manager is approved as it is made). A
follow-up cycle keeps the containment, and asks for a new cause analysis, new
actions and a new approval on the same NC. Each step checks
the actor's roles, the current state and the step's data, and refuses with the
reason; `expected_version` makes a stale writer fail instead of overwriting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..db import Database
from ..db.tables import CorrectiveAction, HistoryEntry, Nonconformity
from ..core.i18n import _
from ..model.workspace import Role, WorkspaceConfig
from . import register, roles
from .errors import ConflictError, TransitionRefused
from .models import NcSnapshot

FISHBONE_CATEGORIES = ("people", "methods", "machines", "materials", "measurement", "environment")
CAUSE_METHODS = ("five_whys", "fishbone")


@dataclass(frozen=True)
class Step:
    name: str
    from_states: tuple[str, ...]
    permission: str


STEPS: dict[str, Step] = {step.name: step for step in (
    Step("contain", ("open",), "contain"),
    Step("analyse", ("containment",), "analyse"),
    Step("plan", ("cause_analysis",), "plan"),
    Step("approve", ("action_plan",), "approve"),
    Step("implement", ("action_plan",), "implement"),
    Step("verify", ("implemented",), "verify"),
)}


def allowed_steps(state: str) -> list[str]:
    return [step.name for step in STEPS.values() if state in step.from_states]


@dataclass
class PlannedAction:
    description: str
    owner: str
    due_date: dt.date


def _refuse(nc_code: str, step: str, reasons: list[str]) -> TransitionRefused:
    return TransitionRefused(_("{nc}: '{step}' refused: {reasons}").format(
        nc=nc_code, step=step, reasons="; ".join(reasons)))


def _check_version(nc: Nonconformity, expected_version: int | None, session) -> None:
    if expected_version is not None and nc.version != expected_version:
        last = session.scalars(select(HistoryEntry).where(HistoryEntry.entity == register.ENTITY,
                                                          HistoryEntry.entity_id == nc.code)
                               .order_by(HistoryEntry.seq.desc()).limit(1)).first()
        who = f"{last.actor} ({last.action}, {_office_minute(last.at)})" if last else "?"
        raise ConflictError(_(
            "{nc} was changed by {who} after you read it: you read version {expected}, it is now version "
            "{current}. Reload it (qms nc show) and try again.").format(
            nc=nc.code, who=who, expected=expected_version, current=nc.version))


def _office_minute(at: str | dt.datetime) -> str:
    """A stored UTC instant as the office reads it: local time to the minute, zone named."""
    from zoneinfo import ZoneInfo

    moment = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return f"{moment.astimezone(ZoneInfo(register.LOCAL_ZONE)):%Y-%m-%d %H:%M} ({register.LOCAL_ZONE})"


def advance(db: Database, config: WorkspaceConfig, actor: str, ref: str | int, step: str, *,
            expected_version: int | None = None, today: dt.date | None = None,
            containment: str | None = None,
            cause_method: str | None = None, whys: list[str] | None = None,
            fishbone: dict[str, list[str]] | None = None, root_cause: str | None = None,
            actions: list[PlannedAction] | None = None,
            effective: bool | None = None, note: str | None = None) -> NcSnapshot:
    """Take one workflow step; returns the NC's new snapshot."""
    if step not in STEPS:
        raise TransitionRefused(_("Unknown step '{step}'; steps are: {steps}").format(
            step=step, steps=", ".join(STEPS)))
    definition = STEPS[step]
    roles.require(config, actor, definition.permission)
    today = today or register.local_today()
    with db.writing() as session:
        nc = register.load(session, ref)
        _check_version(nc, expected_version, session)
        if nc.state not in definition.from_states:
            nexts = ", ".join(allowed_steps(nc.state)) or "-"
            raise _refuse(nc.code, step, [_("the nonconformity is '{state}'; possible steps now: {steps}").format(
                state=nc.state, steps=nexts)])
        before = register.current_snapshot(session, nc)
        if step == "contain":
            _contain(nc, containment)
        elif step == "analyse":
            _analyse(nc, cause_method, whys, fishbone, root_cause)
        elif step == "plan":
            _plan(nc, config, actor, actions, today)
        elif step == "approve":
            _approve(nc, actor)
        elif step == "implement":
            _implement(nc)
        elif step == "verify":
            _verify(nc, actor, effective, note)
        return NcSnapshot.model_validate(register.record_change(session, nc, actor, step, before))


def _contain(nc: Nonconformity, containment: str | None) -> None:
    if not (containment or "").strip():
        raise _refuse(nc.code, "contain", [_("describe the containment (what was done at once to limit the effect)")])
    nc.containment = containment.strip()
    nc.state = "containment"


def _analyse(nc: Nonconformity, method: str | None, whys: list[str] | None,
             fishbone: dict[str, list[str]] | None, root_cause: str | None) -> None:
    problems = []
    if method is None:
        method = "fishbone" if fishbone else "five_whys"
    if method not in CAUSE_METHODS:
        problems.append(_("the cause-analysis method must be one of {choices}").format(choices=", ".join(CAUSE_METHODS)))
    analysis: Any = None
    if method == "five_whys":
        answers = [why.strip() for why in (whys or []) if why and why.strip()]
        if not answers:
            problems.append(_("give at least one answer to 'why?'"))
        elif len(answers) > 7:
            problems.append(_("at most 7 answers to 'why?' ({count} given)").format(count=len(answers)))
        analysis = answers
    elif method == "fishbone":
        unknown = sorted(set(fishbone or {}) - set(FISHBONE_CATEGORIES))
        if unknown:
            problems.append(_("unknown fishbone categories {unknown}; use {choices}").format(
                unknown=", ".join(unknown), choices=", ".join(FISHBONE_CATEGORIES)))
        analysis = {category: [cause.strip() for cause in causes if cause.strip()]
                    for category, causes in (fishbone or {}).items() if category in FISHBONE_CATEGORIES}
        analysis = {category: causes for category, causes in analysis.items() if causes}
        if not analysis and not unknown:
            problems.append(_("give at least one cause in a fishbone category"))
    if not (root_cause or "").strip():
        problems.append(_("state the root cause"))
    if problems:
        raise _refuse(nc.code, "analyse", problems)
    nc.cause_method, nc.cause_analysis, nc.root_cause = method, analysis, root_cause.strip()
    nc.state = "cause_analysis"


def _plan(nc: Nonconformity, config: WorkspaceConfig, actor: str, actions: list[PlannedAction] | None,
          today: dt.date) -> None:
    problems = []
    if not actions:
        problems.append(_("plan at least one corrective action"))
    for index, action in enumerate(actions or [], start=1):
        if not action.description.strip():
            problems.append(_("action {n}: the description is empty").format(n=index))
        if not roles.is_active_user(config, action.owner):
            problems.append(_("action {n}: owner '{owner}' is not a user who can act").format(n=index, owner=action.owner))
        if action.due_date < today:
            problems.append(_("action {n}: due date {due} is in the past").format(n=index, due=action.due_date))
    if problems:
        raise _refuse(nc.code, "plan", problems)
    number = max((existing.number for existing in nc.actions), default=0)
    for action in actions:
        number += 1
        nc.actions.append(CorrectiveAction(number=number, cycle=nc.cycle, description=action.description.strip(),
                                           owner=action.owner, due_date=action.due_date))
    nc.state = "action_plan"
    if Role.manager in roles.person(config, actor).roles:
        nc.plan_approved_by, nc.plan_approved_at = actor, register.now_utc()


def _approve(nc: Nonconformity, actor: str) -> None:
    if nc.plan_approved_by:
        raise _refuse(nc.code, "approve", [_("the action plan was already approved by {user}").format(
            user=nc.plan_approved_by)])
    nc.plan_approved_by, nc.plan_approved_at = actor, register.now_utc()


def _not_approved(nc: Nonconformity) -> str | None:
    if nc.plan_approved_by:
        return None
    return _("the action plan is not approved yet (a manager approves it: qms nc advance {nc} approve)").format(
        nc=nc.code)


def _implement(nc: Nonconformity) -> None:
    pending = [action.number for action in nc.actions if action.cycle == nc.cycle and action.done_at is None]
    problems = [reason for reason in [_not_approved(nc)] if reason]
    if pending:
        problems.append(_("actions not done yet: {numbers}").format(numbers=", ".join(str(n) for n in pending)))
    if problems:
        raise _refuse(nc.code, "implement", problems)
    nc.state = "implemented"


def _verify(nc: Nonconformity, actor: str, effective: bool | None, note: str | None) -> None:
    problems = []
    if effective is None:
        problems.append(_("say whether the actions were effective"))
    if not (note or "").strip():
        problems.append(_("record the evidence of (in)effectiveness in a note"))
    own = [action.number for action in nc.actions if action.cycle == nc.cycle and action.owner == actor]
    if own:
        problems.append(_("'{user}' owns actions {numbers} of this cycle and may not verify them").format(
            user=actor, numbers=", ".join(str(n) for n in own)))
    if problems:
        raise _refuse(nc.code, "verify", problems)
    at = register.now_utc()
    record = {"cycle": nc.cycle, "effective": effective, "by": actor, "at": register.history.iso_instant(at),
              "note": note.strip()}
    nc.verifications = [*(nc.verifications or []), record]
    if effective:
        nc.state, nc.closed_at = "closed", at
    else:
        # Follow-up cycle on the same NC: containment stays, cause and actions are redone.
        nc.state, nc.cycle = "containment", nc.cycle + 1
        nc.plan_approved_by = nc.plan_approved_at = None


def complete_action(db: Database, config: WorkspaceConfig, actor: str, ref: str | int, number: int, *,
                    note: str = "", expected_version: int | None = None) -> NcSnapshot:
    """Mark one action of the current cycle done (its owner, a quality officer or a manager)."""
    with db.writing() as session:
        nc = register.load(session, ref)
        action = next((a for a in nc.actions if a.number == number), None)
        if action is None:
            raise _refuse(nc.code, "complete_action", [_("there is no action {n}").format(n=number)])
        roles.require(config, actor, "complete_action", also_allowed=action.owner == actor)
        _check_version(nc, expected_version, session)
        problems = []
        if nc.state != "action_plan":
            problems.append(_("actions are completed while the nonconformity is 'action_plan', not '{state}'").format(
                state=nc.state))
        elif _not_approved(nc):
            problems.append(_not_approved(nc))
        if action.cycle != nc.cycle:
            problems.append(_("action {n} belongs to an earlier cycle").format(n=number))
        if action.done_at is not None:
            problems.append(_("action {n} is already done").format(n=number))
        if problems:
            raise _refuse(nc.code, "complete_action", problems)
        before = register.current_snapshot(session, nc)
        action.done_at, action.done_by, action.done_note = register.now_utc(), actor, note.strip() or None
        return NcSnapshot.model_validate(register.record_change(session, nc, actor, f"complete_action:{number}",
                                                                before))
