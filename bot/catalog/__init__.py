"""The service catalog: one YAML file per service id, validated at start.

Every user-facing field has a Mandarin (`cmn`) and a Cantonese (`yue`) text,
written in Simplified characters (replies are converted to the user's script).
A broken catalog stops start-up with one line naming the file and field.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from bot.services import SERVICE_IDS

CATALOG_DIR = Path(__file__).resolve().parent
LANGUAGES = ("cmn", "yue")

# field -> "text" (one string per language) or "list" (1-4 short strings per language)
BILINGUAL_FIELDS = {
    "name": "text",
    "summary": "text",
    "who": "text",
    "materials": "list",
    "steps": "list",
    "where": "text",
    "hours": "text",
    "online": "text",
    "time": "text",
    "fees": "text",
}
PLAIN_FIELDS = {"id", "hotline"}
# optional: extra materials when someone acts for another person, and eligibility rules
OPTIONAL_FIELDS = {"agent_materials": "list", "eligibility": "rules"}
RULE_TEXTS = ("ask", "if_yes", "if_no")
RULE_FIELDS = {*RULE_TEXTS, "min_age", "stop_if_no"}
MAX_LIST_ITEMS = 4


class CatalogError(Exception):
    """One line: which file, which field, what is wrong."""


@dataclass(frozen=True)
class Rule:
    """One eligibility question with a yes/no outcome. `min_age` lets an age answer
    (「78」) count as yes or no; `stop_if_no` ends the walk on a no."""
    texts: Mapping[str, Mapping[str, str]]  # ask / if_yes / if_no -> language -> text
    min_age: Optional[int] = None
    stop_if_no: bool = True

    def text(self, field: str, language: str) -> str:
        return self.texts[field][language if language in LANGUAGES else "cmn"]


@dataclass(frozen=True)
class Service:
    id: str
    hotline: str
    texts: Mapping[str, Mapping[str, Any]]  # field -> language -> text | list[str]
    rules: tuple[Rule, ...] = ()

    def text(self, field: str, language: str) -> Any:
        return self.texts[field][language if language in LANGUAGES else "cmn"]

    def optional(self, field: str, language: str) -> Any:
        entry = self.texts.get(field)
        return entry[language if language in LANGUAGES else "cmn"] if entry else None


def _fail(path: Path, field: str, problem: str) -> CatalogError:
    return CatalogError(f"{path}: {field}: {problem}")


def _check_value(path: Path, field: str, kind: str, value: Any) -> None:
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, field, "must be non-empty text")
        return
    if not isinstance(value, list) or not value:
        raise _fail(path, field, "must be a non-empty list")
    if len(value) > MAX_LIST_ITEMS:
        raise _fail(path, field, f"has {len(value)} items; at most {MAX_LIST_ITEMS}")
    for i, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            raise _fail(path, f"{field}[{i}]", "must be non-empty text")


def parse_service(path: Path) -> Service:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _fail(path, "(file)", "is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise _fail(path, where, f"YAML error: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise _fail(path, "(file)", "must be a mapping of field: value")
    unknown = sorted(set(data) - set(BILINGUAL_FIELDS) - PLAIN_FIELDS - set(OPTIONAL_FIELDS), key=str)
    if unknown:
        raise _fail(path, str(unknown[0]), "unknown field")
    for field in ["id", "hotline", *BILINGUAL_FIELDS]:
        if field not in data:
            raise _fail(path, field, "missing")
    if data["id"] != path.stem:
        raise _fail(path, "id", f"is {data['id']!r} but the file is named {path.stem!r}")
    if data["id"] not in SERVICE_IDS:
        raise _fail(path, "id", f"{data['id']!r} is not a service id from SERVICES.md")
    hotline = str(data["hotline"])
    if not hotline.isdigit():
        raise _fail(path, "hotline", "must be digits only")
    for field, kind in BILINGUAL_FIELDS.items():
        _check_bilingual(path, field, kind, data[field])
    texts = {field: dict(data[field]) for field in BILINGUAL_FIELDS}
    if "agent_materials" in data:
        _check_bilingual(path, "agent_materials", "list", data["agent_materials"])
        texts["agent_materials"] = dict(data["agent_materials"])
    rules = _parse_rules(path, data.get("eligibility", []))
    return Service(id=data["id"], hotline=hotline, texts=texts, rules=rules)


def _check_bilingual(path: Path, field: str, kind: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise _fail(path, field, "must have a cmn and a yue text")
    for lang in LANGUAGES:
        if lang not in value:
            raise _fail(path, f"{field}.{lang}", "missing")
        _check_value(path, f"{field}.{lang}", kind, value[lang])
    extra = sorted(set(value) - set(LANGUAGES), key=str)
    if extra:
        raise _fail(path, f"{field}.{extra[0]}", "unknown language (use cmn and yue)")


def _parse_rules(path: Path, value: Any) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        raise _fail(path, "eligibility", "must be a list of rules")
    rules = []
    for i, item in enumerate(value, 1):
        where = f"eligibility[{i}]"
        if not isinstance(item, dict):
            raise _fail(path, where, "must be a mapping")
        unknown = sorted(set(item) - RULE_FIELDS, key=str)
        if unknown:
            raise _fail(path, f"{where}.{unknown[0]}", "unknown field")
        for field in RULE_TEXTS:
            if field not in item:
                raise _fail(path, f"{where}.{field}", "missing")
            _check_bilingual(path, f"{where}.{field}", "text", item[field])
        min_age = item.get("min_age")
        if min_age is not None and (not isinstance(min_age, int) or not 0 < min_age < 130):
            raise _fail(path, f"{where}.min_age", "must be an age in years")
        stop = item.get("stop_if_no", True)
        if not isinstance(stop, bool):
            raise _fail(path, f"{where}.stop_if_no", "must be true or false")
        rules.append(Rule(texts={f: dict(item[f]) for f in RULE_TEXTS}, min_age=min_age,
                          stop_if_no=stop))
    return tuple(rules)


def load_catalog(directory: Path | str = CATALOG_DIR) -> dict[str, Service]:
    """All services, keyed by id. Raises CatalogError on the first problem."""
    directory = Path(directory)
    services = {}
    for path in sorted(directory.glob("*.yml")):
        service = parse_service(path)
        services[service.id] = service
    for service_id in SERVICE_IDS:
        if service_id not in services:
            raise _fail(directory / f"{service_id}.yml", "(file)", "missing: every service id needs a file")
    return services


@functools.lru_cache(maxsize=4)
def catalog(directory: str = str(CATALOG_DIR)) -> dict[str, Service]:
    """The loaded catalog, cached per directory (for the action server)."""
    return load_catalog(directory)
