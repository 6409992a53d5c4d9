"""The classification methods a rule set may name, described for manifests and reports."""

from __future__ import annotations

from ..model.check_output import ClassificationMethod
from ..model.common import Text
from .documents import DEFAULT_RULESET

METHOD_DESCRIPTIONS = {
    "appointment": Text(
        vi="So thời điểm hoàn thành với ngày hẹn trả kết quả (trước ngày hẹn: trước hạn; trong ngày hẹn: đúng hạn; sau: quá hạn).",
        en="Finish compared with the appointment date (before that day: early; on it: on time; after it: late).",
    ),
    "working_time": Text(
        vi="So thời gian làm việc đã dùng (trừ thời gian tạm dừng) với thời hạn giải quyết luật định.",
        en="Working time used (pauses excluded) compared with the legal time limit.",
    ),
}


def method_of(methods: list[str]) -> ClassificationMethod:
    """The manifest's method for the (sorted) methods the dossiers were judged by."""
    methods = methods or [DEFAULT_RULESET.classification_method.value]
    if len(methods) == 1:
        return ClassificationMethod(id=methods[0], description=METHOD_DESCRIPTIONS[methods[0]])
    return ClassificationMethod(
        id="+".join(methods),
        description=Text(vi=" / ".join(METHOD_DESCRIPTIONS[m].vi for m in methods),
                         en=" / ".join(METHOD_DESCRIPTIONS[m].en or "" for m in methods)),
    )
