"""Settings, read once at start: defaults < YAML file (KAIFONG_SETTINGS) < environment.

A wrong value stops the program with one line naming the setting.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    action_url: str = "http://127.0.0.1:5055"
    rasa_token: str = ""
    rasa_timeout: float = 10.0
    data_dir: str = str(ROOT / ".run")
    catalog_dir: str = str(ROOT / "bot" / "catalog")
    hant_cmn: str = "s2t"          # Traditional Mandarin: s2t (HK/Macau forms) or s2tw (Taiwan)
    default_language: str = "cmn"
    default_script: str = "hans"
    max_text_chars: int = 500
    max_sessions: int = 20000
    hotline: str = "12345"
    log_level: str = "INFO"

    def validate(self) -> "Settings":
        if self.hant_cmn not in ("s2t", "s2tw"):
            raise SettingsError(f"hant_cmn must be s2t or s2tw, not {self.hant_cmn!r}")
        if self.default_language not in ("cmn", "yue"):
            raise SettingsError(f"default_language must be cmn or yue, not {self.default_language!r}")
        if self.default_script not in ("hans", "hant"):
            raise SettingsError(f"default_script must be hans or hant, not {self.default_script!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"port must be 1-65535, not {self.port}")
        if not 1 <= self.max_text_chars <= 10000:
            raise SettingsError(f"max_text_chars must be 1-10000, not {self.max_text_chars}")
        if not self.hotline.isdigit():
            raise SettingsError(f"hotline must be digits only, not {self.hotline!r}")
        return self


def _coerce(name: str, kind: Any, value: Any) -> Any:
    try:
        if kind in (int, "int"):
            return int(value)
        if kind in (float, "float"):
            return float(value)
        if kind in (bool, "bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name} has a wrong value: {value!r}") from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the YAML file named by KAIFONG_SETTINGS, then KAIFONG_* variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = env.get("KAIFONG_SETTINGS")
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SettingsError(f"settings file {path}: {exc.__class__.__name__}: {exc}") from None
        if not isinstance(loaded, dict):
            raise SettingsError(f"settings file {path}: must be a mapping of name: value")
        values.update(loaded)
    known = {f.name: f.type for f in fields(Settings)}
    for name in known:
        key = "KAIFONG_" + name.upper()
        if key in env:
            values[name] = env[key]
    values.update(overrides)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}")
    coerced = {k: _coerce(k, known[k], v) for k, v in values.items()}
    return dataclasses.replace(Settings(), **coerced).validate()
