"""The audit file (``audit.yml``): what to read, how to analyse it, what to compare.

The format is documented in ``docs/architecture.md``. :func:`load_audit` reads
and validates it once, collecting every problem into one :class:`ConfigError`
that names the file and the line of each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CxauditError
from .ingest.spec import InputSpec, RoleConfig
from .yamlutil import YamlError, line_of, load_yaml

__all__ = ["AuditConfig", "ConfigError", "load_audit", "DEFAULT_CODEBOOKS"]

DEFAULT_CODEBOOKS = ("carbone-clues", "touchpoints")
_TOP_KEYS = {
    "name", "wave", "model", "redact", "codebooks", "desired", "roles", "inputs",
    "tagger", "threshold", "workers", "batch_size", "description", "min_participants",
}
_INPUT_KEYS = {f.name for f in dataclasses.fields(InputSpec)} - {"base_dir"}


class ConfigError(CxauditError, ValueError):
    """The audit file is wrong; the message lists every problem with its line."""


@dataclass
class AuditConfig:
    """A validated audit. Paths are absolute (resolved against the audit file's folder)."""

    inputs: list[InputSpec]
    name: str = "cxaudit audit"
    wave: str | None = None
    model: str = "auto"
    redact: bool = True
    codebooks: list[str] = field(default_factory=lambda: list(DEFAULT_CODEBOOKS))
    desired: str | None = None
    roles: RoleConfig = field(default_factory=RoleConfig)
    tagger: str | None = None
    threshold: float | None = None
    workers: int | None = None
    batch_size: int = 2000
    #: dashboards and reports: dimensions voiced by fewer participants are "small sample" (never ranked first)
    min_participants: int = 5
    path: str | None = None

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path else Path.cwd()

    def settings(self) -> dict[str, Any]:
        """The settings that change results (recorded in the runs table)."""
        return {
            "name": self.name,
            "wave": self.wave,
            "model": self.model,
            "redact": self.redact,
            "codebooks": list(self.codebooks),
            "desired": self.desired,
            "tagger": self.tagger,
            "threshold": self.threshold,
            "roles": dataclasses.asdict(self.roles),
        }


def _resolve(base: Path, value: str) -> str:
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p))


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    return None


def _codebook_ref(base: Path, ref: str) -> str:
    """Bundled names stay names; anything that looks like a path is resolved."""
    if ref.endswith((".yml", ".yaml")) or "/" in ref or "\\" in ref:
        return _resolve(base, ref)
    return ref


def _parse_inputs(raw: Any, base: Path, where: str, problems: list[str]) -> list[InputSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where}: 'inputs' must be a list of {{path: …}} entries")
        return []
    specs = []
    for i, item in enumerate(raw, 1):
        if isinstance(item, str):
            item = {"path": item}
        line = line_of(item)
        at = f"{where}:{line}" if line else where
        if not isinstance(item, dict) or "path" not in item:
            problems.append(f"{at}: input {i} needs a 'path'")
            continue
        unknown = set(item) - _INPUT_KEYS
        if unknown:
            problems.append(f"{at}: input {i} has unknown option(s) {sorted(unknown)}; known: {sorted(_INPUT_KEYS)}")
            continue
        values = dict(item)
        if "meta_columns" in values:
            cols = _str_list(values["meta_columns"])
            if cols is None:
                problems.append(f"{at}: meta_columns must be a list of column names")
                continue
            values["meta_columns"] = cols
        for key in ("path", "metadata"):
            if values.get(key):
                values[key] = _resolve(base, str(values[key]))
        specs.append(InputSpec(**{k: v for k, v in values.items()}, base_dir=str(base)))
    return specs


def _parse_roles(raw: Any, at: str, problems: list[str]) -> RoleConfig:
    roles = RoleConfig()
    if raw is None:
        return roles
    if not isinstance(raw, dict) or set(raw) - {"interviewer", "participant"}:
        problems.append(f"{at}: 'roles' takes 'interviewer' and 'participant' lists of speaker labels")
        return roles
    for key in ("interviewer", "participant"):
        if key in raw and raw[key] is not None:
            labels = _str_list(raw[key])
            if labels is None:
                problems.append(f"{at}: roles.{key} must be a list of speaker labels")
                continue
            current = getattr(roles, key)
            setattr(roles, key, list(dict.fromkeys([*current, *labels])))
    return roles


def load_audit(path: str | Path, **overrides: Any) -> AuditConfig:
    """Read and validate an ``audit.yml``; keyword overrides replace its values.

    Returns an :class:`AuditConfig` whose paths are absolute. Raises
    :class:`ConfigError` listing every problem (file, line, what to fix).
    """
    path = Path(path).resolve()
    if not path.is_file():
        reason = "audit file not found"
        raise ConfigError(f"{path}: {reason}", path=path, reason=reason)
    try:
        raw = load_yaml(path)
    except YamlError as exc:
        raise ConfigError(str(exc), path=exc.path, line=exc.line, reason=exc.reason) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        reason = f"expected a mapping of settings (name:, inputs:, …), found {type(raw).__name__}"
        raise ConfigError(f"{path}: {reason}", path=path, reason=reason)
    base = path.parent
    where = str(path)
    problems: list[str] = []
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        problems.append(f"{where}: unknown setting(s) {sorted(unknown)}; known: {sorted(_TOP_KEYS)}")
    cfg = AuditConfig(inputs=_parse_inputs(raw.get("inputs"), base, where, problems), path=str(path))
    for key in ("name", "wave", "model"):
        if raw.get(key) is not None:
            setattr(cfg, key, str(raw[key]))
    if "redact" in raw:
        if not isinstance(raw["redact"], bool):
            problems.append(f"{where}: 'redact' must be true or false, found {raw['redact']!r}")
        else:
            cfg.redact = raw["redact"]
    if raw.get("codebooks") is not None:
        books = _str_list(raw["codebooks"])
        if not books:
            problems.append(f"{where}: 'codebooks' must be a list of bundled names or paths")
        else:
            cfg.codebooks = [_codebook_ref(base, b) for b in books]
    if raw.get("desired"):
        cfg.desired = _resolve(base, str(raw["desired"]))
        if not Path(cfg.desired).is_file():
            problems.append(f"{where}: desired file {cfg.desired} does not exist")
    if raw.get("tagger"):
        cfg.tagger = _resolve(base, str(raw["tagger"]))
    if raw.get("min_participants") is not None:
        value = raw["min_participants"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"{where}: 'min_participants' must be a whole number of at least 1, found {value!r}")
        else:
            cfg.min_participants = value
    for key, kind in (("threshold", float), ("workers", int), ("batch_size", int)):
        if raw.get(key) is not None:
            try:
                setattr(cfg, key, kind(raw[key]))
            except (TypeError, ValueError):
                problems.append(f"{where}: '{key}' must be a number, found {raw[key]!r}")
    cfg.roles = _parse_roles(raw.get("roles"), where, problems)
    for key, value in overrides.items():
        if value is not None:
            setattr(cfg, key, value)
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg
