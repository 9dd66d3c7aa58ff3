"""The template file: complete for every kind the code sends, within the provider's rules, and the
commands that check it and export the list to submit for approval."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from dispatch.sms import templates
from dispatch.sms.routing import backend_for, org_backends, sends_free_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped():
    return templates.load()


def _kinds_in_sources() -> set[str]:
    """Literal kinds handed to the outbox: ``kind="…"`` / ``*_KIND = "…"`` / ``outbox.send``'s
    second argument / the helpers' kind argument, read from the sources."""
    found = set()
    for path in (ROOT / "dispatch").rglob("*.py"):
        if "bench" in path.parts or path.name.startswith("fake_"):
            continue
        source = path.read_text(encoding="utf-8")
        if "outbox" not in source:
            continue
        found |= set(re.findall(r'\bkind="([a-z_]+)"', source))
        found |= set(re.findall(r'\b[A-Z_]*KIND = "([a-z_]+)"', source))
        found |= set(re.findall(r'_send\(\s*session,\s*[^)]*?"([a-z_]+)",\s*language', source, re.S))
        found |= set(re.findall(r'\),\s*"([a-z_]+)",\s*(?:texts\.|\{)', source))
        found |= set(re.findall(r'outbox\.send\(\s*[\w.()]+,\s*"([a-z_]+)"', source))
        found |= set(re.findall(r'_send\(\s*order,\s*\w+,\s*"([a-z_]+)"', source))
        found |= set(re.findall(r'tell_customer\(\s*session,\s*order,\s*"([a-z_]+)"', source))
        found |= set(re.findall(r'"(sla_[a-z]+)"\s*\)', source))
        found |= set(re.findall(r'"(offer_[a-z]+)"', source))
    return found


#: Words the source patterns also catch that are no outbox kinds (event names, data keys).
NOT_OUTBOX = {"offer_id", "offer_lapsed", "created", "closure_event", "deadline_event"}


def test_every_kind_the_code_sends_has_a_template_or_is_known_free_text(shipped):
    assert _kinds_in_sources() - NOT_OUTBOX - set(templates.SENT_KINDS) == set()
    missing = sorted(set(templates.SENT_KINDS) - set(shipped.templates) - shipped.free_text)
    assert missing == []
    assert templates.check(shipped, templates.SENT_KINDS) == []
    for kind in (
        "ack",
        "reply",
        "ask_type",
        "ask_place",
        "status",
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
        "sla_warning",
        "sla_escalation",
    ):
        assert kind in _kinds_in_sources(), kind


def test_check_finds_what_the_provider_would_refuse(tmp_path):
    bad = tmp_path / "t.toml"
    bad.write_text(
        """
[organisations.xinye]
sign_name = "新野"
[templates.offer]
ids = { xinye = "1" }
zh = "工单{1}{2}"
en = "Job {1}"
params = [{ name = "code", type = "code", max = 8 }, { name = "place", type = "text", max = 12 }]
[templates.ack]
ids = {}
zh = "【注意】编号{1}"
en = "Ref {1}"
params = [{ name = "reference", type = "reference", max = 20 }]
""",
        encoding="utf-8",
    )
    problems = "\n".join(templates.check(templates.load(bad), ["offer", "ack", "survey"]))
    assert "survey: no template" in problems
    assert "offer: the en text uses [1], the file declares 2" in problems
    assert "offer: two parameters are adjacent" in problems
    assert "offer: parameter 'code' is a code of more than 6 digits" in problems
    assert "ack: 【】 is reserved for the signature" in problems
    assert "ack: no template id for the organisation xinye" in problems


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (templates.Param("code", "code", 6), "4521", "4521"),
        (
            templates.Param("place", "text", 12, shorten=True),
            "新野县汉城路与书院路交叉口东北角",
            "新野县汉城路与书院路交叉口"[:12],
        ),
        (templates.Param("km", "number", 5), "2.5", "2.5"),
        (templates.Param("ref", "reference", 20), "WO-2026-000123", "WO-2026-000123"),
    ],
)
def test_parameters_within_their_rules_pass_and_place_names_are_shortened(param, value, expected):
    assert templates.fit_value(param, value) == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        (templates.Param("code", "code", 6), "1234567"),
        (templates.Param("code", "code", 6), "12a"),
        (templates.Param("note", "text", 12, shorten=True), "www.example.com"),
        (templates.Param("note", "text", 12, shorten=True), "请看 https://a.cn"),
        (templates.Param("note", "text", 12, shorten=True), "【假签名】"),
        (templates.Param("reason", "text", 6), "这段理由太长了不能截"),
        (templates.Param("ref", "reference", 20), ""),
    ],
)
def test_parameters_the_provider_would_refuse_are_refused(param, value):
    with pytest.raises(templates.TemplateRefused):
        templates.fit_value(param, value)


def test_segments_count_the_signature_and_the_template_as_the_provider_bills():
    assert templates.provider_segments("新野县供排水", "字" * 62) == 1  # 【6】+62 = 70
    assert templates.provider_segments("新野县供排水", "字" * 63) == 2  # 71 → 67 + 4
    assert templates.provider_segments("新野县供排水", "字" * 126) == 2  # 134 = 2 × 67
    assert templates.provider_segments("新野县供排水", "字" * 127) == 3
    # Letters count one each like any character: no 160-character GSM-7 messages here.
    assert templates.provider_segments("AB", "a" * 100) == 2


def test_the_signing_link_is_the_registered_address_followed_by_a_short_code(shipped):
    for kind, ref in (("signing_link", "reference"), ("report_sign", "ref")):
        resolved = templates.resolve(shipped, kind, "zycoach", {ref: "WO-1", "code": "K7M2XQ9D"})
        assert "https://fw.zycoach.example.cn/s/K7M2XQ9D " in resolved.text
        for bad in ("https://x.cn/a", "K7M2XQ9D1", "K7M/2XQ"):
            with pytest.raises(templates.TemplateRefused):
                templates.resolve(shipped, kind, "zycoach", {ref: "WO-1", "code": bad})


def test_per_organisation_backend_beside_the_global_one():
    config = {"SMS_BACKEND": "console", "SMS_ORG_BACKENDS": "zycoach=tencent, bad, =x"}
    assert org_backends(config) == {"zycoach": "tencent"}
    assert backend_for(config, "zycoach") == "tencent" and backend_for(config, "xinye") == "console"
    assert not sends_free_text(config, "zycoach") and sends_free_text(config, "xinye")


def test_cli_check_and_export(runner, tmp_path, app):
    result = runner.invoke(args=["sms", "templates", "check"])
    assert result.exit_code == 0, result.output
    assert "templates: ok" in result.output
    result = runner.invoke(args=["sms", "templates", "export"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 2 * len(templates.load().templates)
    offer = next(r for r in rows if r["organisation"] == "xinye" and r["kind"] == "offer")
    assert offer["template_id"] == "2100101" and offer["text"].startswith("新工单{1}：")
    assert offer["params"].startswith("{1} code code <= 6") and offer["max_segments"] == "2"

    broken = tmp_path / "t.toml"
    broken.write_text('[templates.ack]\nzh = "x"\nen = "x"\nparams = []\n', encoding="utf-8")
    app.config["TENCENT_SMS_TEMPLATES"] = str(broken)
    result = runner.invoke(args=["sms", "templates", "check"])
    assert result.exit_code == 1 and "offer: no template for this message kind" in result.output


def test_free_text_passed_along_is_never_a_parameter_and_defaults_fill_a_missing_value(shipped):
    done = templates.resolve(
        shipped, "customer_done", "xinye", {"reference": "WO-7", "note": "换了卡箍，另见 www.x.cn"}
    )
    assert done.params == ["WO-7"] and "卡箍" not in done.text
    on_way = templates.resolve(shipped, "customer_on_the_way", "xinye", {"reference": "WO-7", "minutes": ""})
    assert on_way.params == ["WO-7", "若干"]
    on_way = templates.resolve(shipped, "customer_on_the_way", "xinye", {"reference": "WO-7", "minutes": 25})
    assert on_way.text == "您的报修WO-7：维修人员已出发，预计25分钟左右到达。"
