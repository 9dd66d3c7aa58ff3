"""Approved SMS templates (``config/sms_templates.toml``) for the gateways that send only those.

Inside China a message goes out only as a template the provider approved in advance, with
numbered parameters, behind a registered 【signature】. This module reads the template file,
turns a message's kind and parameters into the template id and the parameter list the provider
takes — refusing what the provider would refuse (a missing template, a missing or malformed
parameter, a link passed as a parameter) — and renders the text the handset will show, so the
console and the segment count see what the provider sends.

The template's name is the message kind. Parameters are passed by name (``{"code": "123"}``,
the names declared in the file) or by number (``{"1": "123"}``).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dispatch.settings import CONFIG_DIR, ROOT

DEFAULT_PATH = CONFIG_DIR / "sms_templates.toml"

#: The provider bills 70 characters as one message, and 67 per part once it is split; the
#: 【signature】 counts, and every character (Chinese, letter, digit, punctuation, space) counts 1.
SINGLE_LIMIT, PART_LIMIT = 70, 67
#: The longest message the provider takes, signature and parameter values included.
MAX_LENGTH = 500

TYPES = ("code", "number", "reference", "time", "phone", "text")
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|cn|net|org|gov|io|me|cc)\b)", re.IGNORECASE)
_VALID = {
    "code": re.compile(r"\d{1,6}"),
    "number": re.compile(r"\d+(\.\d+)?"),
    "reference": re.compile(r"[A-Za-z0-9-]+"),
    "phone": re.compile(r"\+?[\d-]{1,15}"),
}


class TemplateRefused(Exception):
    """The message cannot be sent as an approved template; the text says why, for the alert."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    max: int
    shorten: bool = False
    #: Sent when the caller gives no value (or an empty one); None: the value is required.
    default: str | None = None


@dataclass(frozen=True)
class Template:
    kind: str
    zh: str
    en: str
    params: tuple[Param, ...]
    ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Organisation:
    code: str
    sign_name: str = ""
    link: str = ""


@dataclass(frozen=True)
class TemplateSet:
    templates: Mapping[str, Template]
    organisations: Mapping[str, Organisation]
    free_text: frozenset[str]

    def get(self, kind: str | None) -> Template | None:
        return self.templates.get(kind or "")


@dataclass(frozen=True)
class Resolved:
    """A message as the provider takes it."""

    template_id: str
    params: list[str]
    #: The Chinese text with the parameters and the registered link filled in (no signature).
    text: str


def load(path: Path | str | None = None) -> TemplateSet:
    with open(path or DEFAULT_PATH, "rb") as fh:
        data = tomllib.load(fh)
    orgs = {
        code: Organisation(code, str(v.get("sign_name", "")), str(v.get("link", "")))
        for code, v in data.get("organisations", {}).items()
    }
    templates = {}
    for kind, t in data.get("templates", {}).items():
        params = tuple(
            Param(
                str(p["name"]),
                str(p.get("type", "text")),
                int(p.get("max", 12)),
                bool(p.get("shorten")),
                None if p.get("default") is None else str(p["default"]),
            )
            for p in t.get("params", [])
        )
        ids = {str(k): str(v) for k, v in t.get("ids", {}).items()}
        templates[kind] = Template(kind, str(t.get("zh", "")), str(t.get("en", "")), params, ids)
    free = frozenset(data.get("free_text", {}).get("kinds", []))
    return TemplateSet(templates, orgs, free)


@lru_cache(maxsize=8)
def _cached(path: str) -> TemplateSet:
    return load(path)


def current(config: Mapping[str, object]) -> TemplateSet:
    """The template file named by ``TENCENT_SMS_TEMPLATES`` (default config/sms_templates.toml)."""
    path = Path(str(config.get("TENCENT_SMS_TEMPLATES") or DEFAULT_PATH))
    return _cached(str(path if path.is_absolute() else ROOT / path))


def _fill(text: str, values: list[str], link: str) -> str:
    text = text.replace("{link}", link)
    return _PLACEHOLDER.sub(lambda m: values[int(m.group(1)) - 1], text)


def fit_value(param: Param, value: object) -> str:
    """The value as the provider will take it, shortened where the file allows; raises
    TemplateRefused when it breaks the parameter's rules."""
    text = "" if value is None else str(value).strip()
    if not text and param.default is not None:
        text = param.default
    if not text:
        raise TemplateRefused(f"parameter {param.name!r} is empty", "template_param")
    if "【" in text or "】" in text or _LINK.search(text):
        raise TemplateRefused(f"parameter {param.name!r} holds a link or 【】: {text!r}", "template_param")
    if param.type in _VALID and not _VALID[param.type].fullmatch(text):
        raise TemplateRefused(f"parameter {param.name!r} is not a {param.type}: {text!r}", "template_param")
    if len(text) > param.max:
        if not param.shorten:
            raise TemplateRefused(
                f"parameter {param.name!r} is longer than {param.max} characters: {text!r}", "template_param"
            )
        text = text[: param.max]
    return text


def resolve(
    templates: TemplateSet, kind: str | None, org_code: str | None, params: Mapping[str, object]
) -> Resolved:
    """The template id, the parameter list and the text for one message. Raises TemplateRefused."""
    template = templates.get(kind)
    if template is None:
        if kind in templates.free_text:
            raise TemplateRefused(
                f"{kind!r} is free text: it cannot be sent through a template gateway", "free_text"
            )
        raise TemplateRefused(f"no approved template for the message kind {kind!r}", "no_template")
    template_id = template.ids.get(org_code or "")
    if not template_id:
        raise TemplateRefused(
            f"the template {kind!r} has no approved id for the organisation {org_code!r}", "no_template"
        )
    values = []
    for number, param in enumerate(template.params, start=1):
        value = params.get(param.name, params.get(str(number)))
        if value is None and param.default is None:
            raise TemplateRefused(
                f"the template {kind!r} needs the parameter {param.name!r}", "template_param"
            )
        values.append(fit_value(param, value))
    org = templates.organisations.get(org_code or "")
    return Resolved(template_id, values, _fill(template.zh, values, org.link if org else ""))


def render_en(templates: TemplateSet, kind: str, values: list[str], org_code: str | None) -> str:
    org = templates.organisations.get(org_code or "")
    return _fill(templates.templates[kind].en, values, org.link if org else "")


def provider_length(sign_name: str, text: str) -> int:
    """Characters the provider counts: 【signature】 and text, every character one."""
    return len(f"【{sign_name}】{text}")


def provider_segments(sign_name: str, text: str) -> int:
    """Messages the provider bills: 70 characters alone, 67 each once split."""
    length = provider_length(sign_name, text)
    return 1 if length <= SINGLE_LIMIT else math.ceil(length / PART_LIMIT)


# -- checking the file -----------------------------------------------------------------------


def check(templates: TemplateSet, kinds: Iterable[str], default_sign: str = "") -> list[str]:
    """Problems with the file: kinds the code sends without a template (free-text kinds aside),
    templates whose parameters do not match their text, texts the provider refuses, missing
    ids. An empty list means the file is ready to submit."""
    problems = []
    for kind in sorted(set(kinds) - set(templates.templates) - templates.free_text):
        problems.append(f"{kind}: no template for this message kind")
    for kind, t in sorted(templates.templates.items()):
        for language, text in (("zh", t.zh), ("en", t.en)):
            used = [int(n) for n in _PLACEHOLDER.findall(text)]
            if sorted(set(used)) != list(range(1, len(t.params) + 1)):
                problems.append(
                    f"{kind}: the {language} text uses {sorted(set(used))}, the file declares "
                    f"{len(t.params)} parameter(s)"
                )
            if len(used) != len(set(used)):
                problems.append(f"{kind}: the {language} text repeats a parameter")
        if re.search(r"\}\s*\{\d", t.zh):
            problems.append(f"{kind}: two parameters are adjacent (the provider refuses {{1}}{{2}})")
        if "【" in t.zh or "】" in t.zh:
            problems.append(f"{kind}: 【】 is reserved for the signature")
        if t.params and not _PLACEHOLDER.sub("", t.zh).replace("{link}", "").strip():
            problems.append(f"{kind}: a template made only of parameters is refused")
        for p in t.params:
            if p.type not in TYPES:
                problems.append(f"{kind}: parameter {p.name!r} has an unknown type {p.type!r}")
            if p.type == "code" and p.max > 6:
                problems.append(f"{kind}: parameter {p.name!r} is a code of more than 6 digits")
        for code, org in sorted(templates.organisations.items()):
            if code not in t.ids:
                problems.append(f"{kind}: no template id for the organisation {code}")
            if "{link}" in t.zh and not org.link:
                problems.append(f"{kind}: the organisation {code} has no registered link")
            longest = _fill(t.zh, ["字" * p.max for p in t.params], org.link)
            if provider_length(org.sign_name or default_sign, longest) > MAX_LENGTH:
                problems.append(f"{kind}: longer than {MAX_LENGTH} characters at its parameters' limits")
    return problems


def export_rows(templates: TemplateSet, default_sign: str = "") -> list[dict[str, object]]:
    """One row per organisation and template: what to submit for approval."""
    rows = []
    for code, org in sorted(templates.organisations.items()):
        for kind, t in sorted(templates.templates.items()):
            longest = _fill(t.zh, ["字" * p.max for p in t.params], org.link)
            sign = org.sign_name or default_sign
            rows.append(
                {
                    "organisation": code,
                    "sign_name": sign,
                    "kind": kind,
                    "template_id": t.ids.get(code, ""),
                    "text": _fill(t.zh, [f"{{{n}}}" for n in range(1, len(t.params) + 1)], org.link),
                    "english": _fill(t.en, [f"{{{n}}}" for n in range(1, len(t.params) + 1)], org.link),
                    "params": "; ".join(
                        f"{{{n}}} {p.name} {p.type} <= {p.max}" for n, p in enumerate(t.params, start=1)
                    ),
                    "max_segments": provider_segments(sign, longest),
                }
            )
    return rows


#: Every kind of message the code sends today, and those the service-report and spare-parts work
#: sends (a test reads the sources and keeps this list complete).
SENT_KINDS = (
    "ack",
    "ask_type",
    "ask_place",
    "reply",
    "status",
    "status_none",
    "closure",
    "deadline_set",
    "customer_on_the_way",
    "customer_done",
    "console_message",
    "offer",
    "offer_taken",
    "offer_withdrawn",
    "assignment",
    "unassigned",
    "command_reply",
    "sla_warning",
    "sla_escalation",
    "signing_link",
    "survey",
    "survey_reminder",
    "report_missing",
    "report_returned",
    "report_sign",
    "report_confirm",
    "report_survey",
    "report_survey_reminder",
    "parts_reply",
    "requisition_approved",
    "requisition_refused",
    "parts_issued",
    "complaint_result",
)
