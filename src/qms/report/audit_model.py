"""The audit report model: one internal audit as plain data, every number computed here.

Built once from the audit's stored data (`qms.audit.audit_results`: the plan, the
frozen checklist items and their results) and the nonconformity register (the NCs
the audit raised, with their current state). The PDF (`audit.html.j2`) and the
workbook (`audit_xlsx`) only format and lay it out.

Coverage: an item graded "not applicable" is answered but not applicable, so it is
left out of both sides; coverage = applicable items answered / applicable items,
where an item without a result counts as applicable (nobody said otherwise).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from ..model.audit import RESULT_LABELS, AuditResultValue
from ..model.workspace import WorkspaceConfig
from . import labels
from ..core.formatting import Formatter
from ..core.timezone import DEFAULT_TIMEZONE

GRADES: tuple[str, ...] = tuple(value.value for value in AuditResultValue)  # sheet order
FINDING_GRADES = ("major_nc", "minor_nc", "observation", "ofi")  # everything but conforming / NA
NOT_ANSWERED = "not_recorded"
# ISO 9001:2015 main clauses 4–10 (numbers and short titles only).
MAIN_CLAUSES = {
    "4": "Context of the organization",
    "5": "Leadership",
    "6": "Planning",
    "7": "Support",
    "8": "Operation",
    "9": "Performance evaluation",
    "10": "Improvement",
}


@dataclass
class ClauseCounts:
    """Results of the items of one clause (or of a main clause, or of the whole audit)."""

    clause: str
    title: str
    counts: dict[str, int]  # every grade of GRADES plus NOT_ANSWERED, zeros included
    items: int
    applicable: int
    answered: int  # applicable items with a result
    coverage: float | None  # answered / applicable; None when nothing is applicable
    findings: int  # major NC + minor NC + observation + OFI
    unanswered: list[str] = field(default_factory=list)  # item ids without a result


@dataclass
class ResultRow:
    number: int
    item_id: str
    clause: str
    question: str
    result: str | None  # a grade of GRADES, None when not answered yet
    result_label: str
    evidence: str
    notes: str
    nc: str | None


@dataclass
class NcRow:
    code: str
    severity: str
    severity_label: str
    state: str
    state_label: str
    clause: str | None
    title: str


@dataclass
class PersonRow:
    user_id: str
    name: str
    title: str | None
    unit: str | None


@dataclass
class AuditReportModel:
    language: str
    timezone: str
    organisation: str
    organisation_parent: str | None
    audit_code: str
    title: str
    status: str
    audit_date: dt.date | None
    scope: str
    processes: list[str]
    units: list[str]  # unit names as configured (code when unknown)
    lead_auditor: PersonRow | None
    auditors: list[PersonRow]
    auditees: list[PersonRow]
    approver: PersonRow | None
    checklist_code: str | None
    checklist_issue: int | None
    checklist_sha256: str
    generated_at: dt.datetime
    grade_labels: dict[str, str]  # GRADES + NOT_ANSWERED -> label in the report's language
    results: list[ResultRow]
    by_clause: list[ClauseCounts]
    by_main_clause: list[ClauseCounts]  # clauses 4–10, each listed even without items
    totals: ClauseCounts
    findings: list[ResultRow]
    nonconformities: list[NcRow]

    @property
    def grades(self) -> tuple[str, ...]:
        return GRADES

    def as_json(self) -> str:
        """The model as JSON (attached to the PDF, so its numbers can be checked)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _clause_key(clause: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in clause.split("."))


def _main_clause(clause: str) -> str:
    return clause.split(".", 1)[0]


def _counts(clause: str, title: str, rows: list[ResultRow]) -> ClauseCounts:
    tally = Counter(row.result or NOT_ANSWERED for row in rows)
    counts = {grade: tally.get(grade, 0) for grade in (*GRADES, NOT_ANSWERED)}
    applicable = len(rows) - counts["not_applicable"]
    answered = applicable - counts[NOT_ANSWERED]
    return ClauseCounts(clause=clause, title=title, counts=counts, items=len(rows), applicable=applicable,
                        answered=answered, coverage=answered / applicable if applicable else None,
                        findings=sum(counts[grade] for grade in FINDING_GRADES),
                        unanswered=[row.item_id for row in rows if row.result is None])


def _clause_title(clause: str, gettext) -> str:
    """The short title of a clause, or "part of 7.5: Documented information" for a
    sub-clause the label table does not name; "" when no parent is known either."""
    if clause in labels.CLAUSE:
        return gettext(labels.CLAUSE[clause])
    parts = clause.split(".")
    for length in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:length])
        if parent in labels.CLAUSE:
            return gettext("part of {clause}: {title}").format(clause=parent, title=gettext(labels.CLAUSE[parent]))
    return ""


def _person(config: WorkspaceConfig | None, user_id: str | None, language: str = "vi") -> PersonRow | None:
    if not user_id:
        return None
    person = config.users.get(user_id) if config else None
    return PersonRow(user_id=user_id, name=person.name if person else user_id,
                     title=person.title_in(language) if person else None, unit=person.unit if person else None)


def build_audit_model(audit_data: dict, ncs: list[dict], config: WorkspaceConfig | None, *, language: str = "vi",
                      timezone: str = DEFAULT_TIMEZONE, generated_at: dt.datetime | None = None
                      ) -> AuditReportModel:
    """`audit_data` as `qms.audit.audit_results` returns it; `ncs` the register rows
    (`qms.capa.list_ncs`) of the NCs this audit raised."""
    catalog = Formatter(language, timezone).catalog
    gettext = catalog.gettext
    plan = audit_data["audit"]
    grade_labels = {value.value: text.in_language(language) for value, text in RESULT_LABELS.items()}
    grade_labels[NOT_ANSWERED] = gettext("Not answered")
    results = [
        ResultRow(number=number, item_id=row["item_id"], clause=row["clause"], question=row["question"],
                  result=row["result"], result_label=grade_labels[row["result"] or NOT_ANSWERED],
                  evidence=row["evidence"] or "", notes=row["notes"] or "", nc=row["nc"])
        for number, row in enumerate(audit_data["results"], start=1)
    ]
    clauses = sorted({row.clause for row in results}, key=_clause_key)
    by_clause = [_counts(clause, _clause_title(clause, gettext), [row for row in results if row.clause == clause])
                 for clause in clauses]
    by_main_clause = [_counts(number, gettext(title), [row for row in results if _main_clause(row.clause) == number])
                      for number, title in MAIN_CLAUSES.items()]
    # Items outside 4–10 (a typo in a checklist) still count in the totals and by clause.
    totals = _counts("", gettext("Total"), results)
    findings = [row for row in results if row.result in FINDING_GRADES]
    raised = set(audit_data.get("nonconformities") or [])
    # An NC is named by what was found (the evidence recorded for its item), not by the
    # checklist's question; the register's title stands where no evidence was written.
    found = {row.nc: row.evidence for row in findings if row.nc and row.evidence}
    nonconformities = [
        NcRow(code=nc["code"], severity=nc["severity"],
              severity_label=labels.label(labels.SEVERITY, nc["severity"], catalog), state=nc["state"],
              state_label=labels.label(labels.NC_STATE, nc["state"], catalog), clause=nc.get("clause"),
              title=found.get(nc["code"]) or nc.get("title") or "")
        for nc in sorted(ncs, key=lambda nc: nc["code"]) if nc["code"] in raised
    ]
    unit_names = config.units if config else {}
    organisation = config.organisation if config else None
    approver_id = config.signatories.approved_by if config else None
    return AuditReportModel(
        language=language, timezone=timezone,
        organisation=organisation.name.in_language(language) if organisation
        else gettext("(organisation not configured)"),
        organisation_parent=organisation.parent.in_language(language) if organisation and organisation.parent
        else None,
        audit_code=plan["code"], title=plan["title"], status=plan["status"],
        audit_date=dt.date.fromisoformat(plan["audit_date"]) if plan.get("audit_date") else None,
        scope=plan.get("scope") or plan["title"], processes=list(plan.get("processes") or []),
        units=[unit_names[code].in_language(language) if code in unit_names else code
               for code in plan.get("units") or []],
        lead_auditor=_person(config, plan.get("lead_auditor"), language),
        auditors=[_person(config, user, language) for user in plan.get("auditors") or []],
        auditees=[_person(config, user, language) for user in plan.get("auditees") or []],
        approver=_person(config, approver_id, language),
        checklist_code=plan.get("checklist_code"), checklist_issue=plan.get("checklist_issue"),
        checklist_sha256=(plan.get("checklist_items") or {}).get("sha256", ""),
        generated_at=generated_at or dt.datetime.now(dt.timezone.utc),
        grade_labels=grade_labels, results=results, by_clause=by_clause, by_main_clause=by_main_clause,
        totals=totals, findings=findings, nonconformities=nonconformities,
    )


def build_audit_report(db, code: str, config: WorkspaceConfig | None = None, *, language: str = "vi",
                       generated_at: dt.datetime | None = None) -> AuditReportModel:
    """Read audit `code` and its NCs from the database and build the model."""
    from ..audit import audit_results
    from ..capa import list_ncs

    data = audit_results(db, code)
    ncs = [nc.model_dump() for nc in list_ncs(db, source="audit")] if data["nonconformities"] else []
    return build_audit_model(data, ncs, config, language=language, generated_at=generated_at)
