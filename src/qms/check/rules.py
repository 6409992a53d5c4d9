"""The rule catalogue: every check qms makes, as named, documented data.

A rule here says *what* is checked, how serious a breach is by default and which
ISO 9001:2015 clause it evidences; *how* it is evaluated lives in `engine.py`
(vectorised) and `reference.py` (per dossier). A rule set (`RuleSet.rules`) may
switch a rule off or change its severity for the dossiers it governs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.check_output import Severity
from ..model.common import Text


@dataclass(frozen=True)
class Rule:
    id: str
    title: Text
    description: Text
    severity: Severity
    clause: str
    scope: str  # "dossier" (one finding per dossier) or "event" (one per offending event)


def _rule(id, severity, clause, scope, title_vi, title_en, description_vi, description_en) -> Rule:
    return Rule(
        id=id,
        title=Text(vi=title_vi, en=title_en),
        description=Text(vi=description_vi, en=description_en),
        severity=Severity(severity),
        clause=clause,
        scope=scope,
    )


RULES: tuple[Rule, ...] = (
    _rule("unknown_procedure", "major", "7.5", "dossier",
          "Thủ tục không có trong thư viện", "Unknown procedure code",
          "Mã thủ tục của hồ sơ không có quy trình nào trong thư viện tài liệu.",
          "The dossier's procedure code has no procedure in the document library."),
    _rule("no_issue_in_force", "major", "7.5", "dossier",
          "Không có lần ban hành hiệu lực khi tiếp nhận", "No procedure issue in force at receipt",
          "Quy trình có trong thư viện nhưng không có lần ban hành đã phê duyệt nào còn hiệu lực vào ngày tiếp nhận hồ sơ.",
          "The procedure exists but no approved issue was in force on the day the dossier was received."),
    _rule("missing_step", "minor", "8.5.1", "step",
          "Thiếu bước bắt buộc", "Required step missing",
          "Hồ sơ đã trả kết quả nhưng không có bước bắt buộc của quy trình.",
          "The result was returned but a required step of the procedure was never recorded."),
    _rule("unexpected_step", "minor", "8.5.1", "event",
          "Bước không có trong quy trình", "Step not in the procedure",
          "Nhật ký ghi một bước không có trong quy trình (và không phải trạng thái chuẩn).",
          "The log records a step that the procedure issue does not have and that is not a canonical status."),
    _rule("step_out_of_order", "minor", "8.5.1", "event",
          "Bước sai thứ tự", "Step out of order",
          "Một bước được ghi sau bước đứng sau nó trong quy trình, không theo vòng lặp được phép.",
          "A step was recorded after a later step of the procedure, outside the procedure's declared loops."),
    _rule("repeated_step", "observation", "8.5.1", "event",
          "Bước lặp lại", "Non-repeatable step repeated",
          "Một bước không được phép lặp lại được ghi nhiều lần (ngoài vòng lặp được phép).",
          "A step that is not repeatable was recorded more than once (outside a declared loop)."),
    _rule("no_result_step", "minor", "8.5.1", "dossier",
          "Đã giải quyết nhưng không trả kết quả", "Finished without a result step",
          "Hồ sơ đã xử lý xong nhưng nhật ký không có bước trả kết quả.",
          "The dossier was processed but the log has no step returning the result."),
    _rule("step_overrun", "observation", "9.1", "event",
          "Bước vượt thời gian phân bổ", "Step exceeded its allotted time",
          "Thời gian làm việc của một bước (trừ thời gian tạm dừng) vượt thời gian quy trình phân bổ cho đơn vị chịu trách nhiệm.",
          "The working time a step took (pauses excluded) exceeded the time the procedure allots to its responsible unit."),
    _rule("step_due_exceeded", "minor", "9.1", "event",
          "Quá hạn bước ghi trong nhật ký", "Per-step due moment exceeded",
          "Bước hoàn thành sau hạn xử lý của bước đó ghi trong nhật ký.",
          "The step was completed after the per-step due moment the log records."),
    _rule("finished_late", "major", "8.7", "dossier",
          "Giải quyết quá hạn", "Dossier finished late",
          "Hồ sơ được giải quyết quá hạn theo phương pháp phân loại của bộ quy tắc.",
          "The dossier was finished late under the rule set's classification method."),
    _rule("appointment_beyond_limit", "major", "8.5.1", "dossier",
          "Hẹn trả vượt thời hạn luật định", "Appointment later than the legal limit",
          "Ngày hẹn trả kết quả trên giấy tiếp nhận muộn hơn ngày hết thời hạn giải quyết.",
          "The appointment date on the receipt is later than the day the legal time limit ends."),
    _rule("appointment_missing", "minor", "7.5", "dossier",
          "Thiếu ngày hẹn trả", "Appointment missing",
          "Nhật ký có cột ngày hẹn trả nhưng hồ sơ này không có ngày hẹn.",
          "The log carries appointment dates but this dossier has none."),
    _rule("late_without_apology", "major", "8.7", "dossier",
          "Quá hạn không có văn bản xin lỗi", "Late without a timely apology",
          "Hồ sơ quá ngày hẹn mà không có văn bản xin lỗi, hẹn lại phát hành trước ngày hẹn theo thời gian báo trước của bộ quy tắc.",
          "The dossier passed its appointment without an apology and new appointment issued the rule set's lead time before it."),
    _rule("appointment_rescheduled_more_than_once", "major", "8.5.1", "dossier",
          "Hẹn lại quá số lần cho phép", "Appointment rescheduled too often",
          "Hồ sơ được hẹn lại ngày trả kết quả nhiều hơn số lần bộ quy tắc cho phép.",
          "The dossier was given more new appointment dates than the rule set allows."),
    _rule("too_many_supplement_requests", "minor", "8.5.1", "dossier",
          "Yêu cầu bổ sung quá số lần", "Too many supplement requests",
          "Hồ sơ bị yêu cầu bổ sung, hoàn thiện nhiều hơn số lần bộ quy tắc cho phép.",
          "The applicant was asked for more documents more often than the rule set allows."),
    _rule("returned_before_approval", "major", "8.5.1", "dossier",
          "Trả kết quả trước khi phê duyệt", "Result returned before approval",
          "Kết quả được trả cho người nộp trước bước phê duyệt của lãnh đạo.",
          "The result was handed to the applicant before the leader's approval step."),
    _rule("event_after_return", "observation", "7.5", "event",
          "Sự kiện sau khi trả kết quả", "Event after the result was returned",
          "Nhật ký ghi sự kiện sau thời điểm đã trả kết quả cho người nộp.",
          "The log records an event after the result was returned to the applicant."),
    _rule("open_overdue", "minor", "9.1", "dossier",
          "Đang giải quyết, quá hạn", "Open and overdue",
          "Hồ sơ chưa giải quyết xong và đã quá hạn tại ngày kiểm tra.",
          "The dossier is still open and overdue as of the check date."),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
RULE_IDS: tuple[str, ...] = tuple(RULES_BY_ID)


def rule(rule_id: str) -> Rule:
    return RULES_BY_ID[rule_id]
