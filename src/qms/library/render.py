"""Plain-text views of document issues for `qms docs show` (the terminal's version
of the printed procedure: header, time limit, step table, loops, records)."""

from __future__ import annotations

from ..core.i18n import _, get_language
from ..model.calendar import CalendarSettings, clock_text
from ..model.checklist import Checklist
from ..model.common import DocumentIssue, Text
from ..model.procedure import Duration, FinishRule, FinishStep, Procedure
from ..model.ruleset import RuleSet


def text(value: Text | None) -> str:
    return value.in_language(get_language()) if value else ""


def duration(value: Duration | None) -> str:
    if value is None:
        return "—"
    amount = f"{value.amount:g}"
    if value.amount == 1:
        return {
            "working_days": _("{n} working day"),
            "working_hours": _("{n} working hour"),
            "calendar_days": _("{n} calendar day"),
        }[value.unit.value].format(n=amount)
    return {
        "working_days": _("{n} working days"),
        "working_hours": _("{n} working hours"),
        "calendar_days": _("{n} calendar days"),
    }[value.unit.value].format(n=amount)


def header(document: DocumentIssue, title: Text | None) -> list[str]:
    until = document.effective_to.isoformat() if document.effective_to else "…"
    lines = [
        f"{document.code} — {text(title)}",
        _("Issue {issue} · {status} · in force {start} to {until}").format(
            issue=document.issue, status=status_name(document.status.value), start=document.effective_from.isoformat(),
            until=until
        ),
    ]
    for label, signature in ((_("Prepared by"), document.prepared_by), (_("Reviewed by"), document.reviewed_by), (_("Approved by"), document.approved_by)):
        if signature:
            day = f" ({signature.date.isoformat()})" if signature.date else ""
            lines.append(f"{label}: {signature.name}{', ' + signature.title if signature.title else ''}{day}")
    if document.content_sha256:
        lines.append(f"SHA-256: {document.content_sha256}")
    return lines


def render_text(document: DocumentIssue) -> str:
    if isinstance(document, Procedure):
        return "\n".join(_procedure(document))
    if isinstance(document, RuleSet):
        return "\n".join(_ruleset(document))
    if isinstance(document, Checklist):
        return "\n".join(_checklist(document))
    if isinstance(document, CalendarSettings):
        return "\n".join(_calendar(document))
    return "\n".join(header(document, None))


def _procedure(p: Procedure) -> list[str]:
    lines = header(p, p.title)
    lines.append(f"{_('Field')}: {text(p.field)}")
    limit = duration(p.time_limit)
    if p.receipt_cutoff:
        limit += " · " + _("received after {time} counts from the next working day").format(time=p.receipt_cutoff.strftime("%H:%M"))
    lines.append(f"{_('Time limit')}: {limit}")
    lines.append("")
    lines.append(_("Steps:"))
    width = max(len(step.id) for step in p.steps)
    unit_width = max(len(step.unit) for step in p.steps)
    for number, step in enumerate(p.steps, 1):
        flags = [
            flag
            for flag, on in ((_("approval"), step.approval), (_("result"), step.result), (_("optional"), step.optional), (_("repeatable"), step.repeatable))
            if on
        ]
        suffix = f" [{', '.join(flags)}]" if flags else ""
        lines.append(f"  {number:>2}. {step.id:<{width}}  {step.unit:<{unit_width}}  {duration(step.allotted):<20}  {text(step.name)}{suffix}")
    if p.loops:
        lines.append(_("Allowed loops:"))
        for loop in p.loops:
            lines.append(f"  {loop.from_step} → {loop.to_step}  {text(loop.reason)}")
    lines.append(f"{_('Terminal outcomes')}: {', '.join(p.terminal_outcomes)}")
    if p.finish is not FinishRule.default:
        lines.append(f"{_('A dossier finishes at')}: {finish_text(p.finish)}")
    if p.records:
        lines.append(_("Records to retain:"))
        for record in p.records:
            lines.append(f"  {text(record.name)} — {record.kept_by}, {record.retention}")
    return lines


def finish_text(finish: FinishRule | FinishStep) -> str:
    if finish is FinishRule.last_event:
        return _("its last event")
    if finish.occurrence == "last":
        return _("the last event of step {step}").format(step=finish.step)
    return _("the first event of step {step}").format(step=finish.step)


def _ruleset(r: RuleSet) -> list[str]:
    lines = header(r, r.title)
    lines += [f"  {basis}" for basis in r.legal_basis]
    lines.append(f"{_('Classification method')}: {r.classification_method.value}")
    lines.append(f"{_('Apology lead time')}: {r.apology_lead_working_days:g}")
    lines.append(f"{_('Maximum supplement requests')}: {r.max_supplement_requests}")
    lines.append(f"{_('Maximum new appointment dates')}: {r.max_reschedules}")
    lines.append(_("Rules:"))
    for rule_id, setting in r.rules.items():
        state = (setting.severity.value if setting.severity else _("default severity")) if setting.enabled else _("off")
        lines.append(f"  {rule_id:<40} {state}")
    return lines


def _checklist(c: Checklist) -> list[str]:
    lines = header(c, c.title)
    lines.append(f"{_('Standard')}: {c.standard} · {_('{n} items').format(n=len(c.items))}")
    for item in c.items:
        lines.append(f"  {item.id:<8} {item.clause:<7} {text(item.question)}")
    return lines


def _calendar(c: CalendarSettings) -> list[str]:
    lines = header(c, c.title)
    lines.append(f"{_('Time zone')}: {c.timezone} · {_('working day')}: {c.working_day_hours:g} h")
    for day, sessions in c.office_hours.items():
        spans = ", ".join(f"{clock_text(s.start)}–{clock_text(s.end)}" for s in sessions)
        lines.append(f"  {getattr(day, 'value', day)}: {spans}")
    return lines


def status_name(status: str) -> str:
    """draft / approved / obsolete in the language of the run."""
    return {"draft": _("draft"), "approved": _("approved"), "obsolete": _("obsolete")}.get(status, status)
