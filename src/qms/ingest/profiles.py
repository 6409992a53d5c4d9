"""Finding and loading log profiles: a shipped one by name, or a YAML file by path."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.profile import LogProfile
from ..core.model_file import load_model_file

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "profiles"


def shipped_profiles() -> dict[str, Path]:
    """Name -> file of every profile shipped with qms (canonical first)."""
    files = sorted(SHIPPED_DIR.glob("*.yaml"), key=lambda p: (p.stem != "canonical", p.stem))
    return {p.stem: p for p in files}


def load_profile_file(path: Path) -> LogProfile:
    return load_model_file(path, LogProfile, summary=_("{path}: invalid profile").format(path=path))


def load_profile(name_or_path: str | Path | LogProfile) -> LogProfile:
    """A profile by shipped name (`canonical`, `receipt`, `motcua`) or by YAML path."""
    if isinstance(name_or_path, LogProfile):
        return name_or_path
    text = str(name_or_path)
    shipped = shipped_profiles()
    if text in shipped:
        return load_profile_file(shipped[text])
    path = Path(text)
    if path.is_file():
        return load_profile_file(path)
    raise QmsError(
        _("no profile {name!r}: give a YAML file or one of {names}").format(name=text, names=", ".join(shipped))
    )


def declared_concepts(name_or_path) -> dict[str, str]:
    """What a profile says its source system records (`concepts`), or {} for a profile
    that cannot be loaded here (the log's own events then decide)."""
    try:
        return dict(load_profile(name_or_path).concepts)
    except QmsError:
        return {}


def detect_profile(columns: list[str]) -> LogProfile | None:
    """The first shipped profile whose required columns the source has (canonical first)."""
    present = set(columns)
    for path in shipped_profiles().values():
        profile = load_profile_file(path)
        needed = {s.column for s in profile.fields.values() if s.column is not None and not s.optional}
        if needed and needed <= present:
            return profile
    return None
