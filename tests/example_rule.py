"""A rule defined outside qms, as a plug-in or a new rule would be: one module with
its metadata, its vectorised query over declared facts and its reference judgement.
The test registers it (`REGISTRY.registered(RULE)`); inside qms it would be the file
`src/qms/check/rules/supplement_received_without_request.py`, picked up by itself."""

from __future__ import annotations

import polars as pl

from qms.check.common import fmt_time, local_text
from qms.check.frame import running_sum, status_is
from qms.check.rules import Rule
from qms.model.common import Text


def query(inputs):
    # requests so far (this event included) within the dossier
    requests = running_sum(status_is("supplement_requested").cast(pl.Int64))
    unasked = inputs.events.with_columns(requests.alias("requests")).filter(
        status_is("supplement_received") & (pl.col("requests") == 0))
    return inputs.emit(unasked, step=pl.col("step"), actual=fmt_time(pl.col("at"), inputs.tz))


def reference(facts):
    requests = 0
    for e in facts.events:
        if e.step == "supplement_requested":
            requests += 1
        elif e.step == "supplement_received" and requests == 0:
            yield facts.hit(step=e.step, unit=e.unit, actual=local_text(e.at, facts.tz))


RULE = Rule(
    id="supplement_received_without_request", severity="minor", clause="7.5", scope="event",
    title=Text(vi="Nhận bổ sung khi chưa yêu cầu", en="Supplement received without a request"),
    description=Text(vi="Nhật ký ghi nhận hồ sơ bổ sung trước khi có yêu cầu bổ sung nào.",
                     en="The log records a supplement received before any supplement was requested."),
    reported_when="a `supplement_received` event with no `supplement_requested` event before it",
    event_facts=("first", "sc", "step", "at"), query=query, reference=reference,
)
