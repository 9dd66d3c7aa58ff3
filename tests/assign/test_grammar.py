"""The technician's SMS commands: real-looking messages, in both languages, and what each means."""

import pytest

from dispatch.assign.grammar import MAX_CHARS, Command, CommandKind, ParseError, parse, usage
from dispatch.sms.segments import count_segments

K = CommandKind


def cmd(kind, job=None, *, eta=None, reason=None, note=None, part=None, qty=1, lang=None):
    return {
        "kind": kind,
        "job_code": job,
        "eta_min": eta,
        "reason": reason,
        "note": note,
        "part_code": part,
        "quantity": qty,
        "lang": lang,
    }


MESSAGES = [
    # accept
    ("Y 123", cmd(K.ACCEPT, "123", lang="en")),
    ("y 123", cmd(K.ACCEPT, "123")),
    ("YES 123", cmd(K.ACCEPT, "123")),
    ("Yes 4521", cmd(K.ACCEPT, "4521")),
    ("OK 123", cmd(K.ACCEPT, "123")),
    ("ok", cmd(K.ACCEPT)),
    ("Okay 312", cmd(K.ACCEPT, "312")),
    ("ACCEPT 123", cmd(K.ACCEPT, "123")),
    ("accepted 0457", cmd(K.ACCEPT, "0457")),
    ("Y", cmd(K.ACCEPT)),
    ("Y123", cmd(K.ACCEPT, "123")),
    ("Y,123", cmd(K.ACCEPT, "123")),
    ("Y-123", cmd(K.ACCEPT, "123")),
    ("Y #123", cmd(K.ACCEPT, "123")),
    ("#123 Y", cmd(K.ACCEPT, "123")),
    ("123 接", cmd(K.ACCEPT, "123", lang="zh")),
    ("  Y   123  ", cmd(K.ACCEPT, "123")),
    ("Y 123!", cmd(K.ACCEPT, "123")),
    ("Y job 123", cmd(K.ACCEPT, "123")),
    ("OK 123 thanks", cmd(K.ACCEPT, "123")),
    ("ＹＥＳ　１２３", cmd(K.ACCEPT, "123", lang="zh")),
    ("ACEPT 123", cmd(K.ACCEPT, "123")),
    ("ACCPET 123", cmd(K.ACCEPT, "123")),
    ("接 123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接单 123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接单：123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接单，123。", cmd(K.ACCEPT, "123", lang="zh")),
    ("是 123", cmd(K.ACCEPT, "123", lang="zh")),
    ("好 123", cmd(K.ACCEPT, "123", lang="zh")),
    ("好的", cmd(K.ACCEPT, lang="zh")),
    ("好的 2041 马上去", cmd(K.ACCEPT, "2041", lang="zh")),
    ("好嘞！", cmd(K.ACCEPT, lang="zh")),
    ("是的，123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接受 工单123", cmd(K.ACCEPT, "123", lang="zh")),
    ("接 123号", cmd(K.ACCEPT, "123", lang="zh")),
    # decline
    ("N 123 too far", cmd(K.DECLINE, "123", reason="too far")),
    ("N", cmd(K.DECLINE)),
    ("n 123", cmd(K.DECLINE, "123")),
    ("NO 123", cmd(K.DECLINE, "123")),
    ("No 123, van broke down", cmd(K.DECLINE, "123", reason="van broke down")),
    ("no way", cmd(K.DECLINE, reason="way")),
    ("DECLINE 123", cmd(K.DECLINE, "123")),
    ("decline 123 on another job", cmd(K.DECLINE, "123", reason="on another job")),
    ("REJECT 123", cmd(K.DECLINE, "123")),
    ("N too far", cmd(K.DECLINE, reason="too far")),
    ("拒 123 太远", cmd(K.DECLINE, "123", reason="太远", lang="zh")),
    ("拒绝 123 在忙别的单", cmd(K.DECLINE, "123", reason="在忙别的单", lang="zh")),
    ("不接 123", cmd(K.DECLINE, "123", lang="zh")),
    ("不接单", cmd(K.DECLINE, lang="zh")),
    ("不去 2208 车坏了", cmd(K.DECLINE, "2208", reason="车坏了", lang="zh")),
    ("123 N 没空", cmd(K.DECLINE, "123", reason="没空", lang="zh")),
    # on the way
    ("OTW", cmd(K.ON_THE_WAY)),
    ("OTW 20", cmd(K.ON_THE_WAY, eta=20)),
    ("otw 123 20", cmd(K.ON_THE_WAY, "123", eta=20)),
    ("OTW 123", cmd(K.ON_THE_WAY, "123")),
    ("OTW 20 min", cmd(K.ON_THE_WAY, eta=20)),
    ("OTW 123 45mins", cmd(K.ON_THE_WAY, "123", eta=45)),
    ("OTW 1H", cmd(K.ON_THE_WAY, eta=60)),
    ("OTW 120min", cmd(K.ON_THE_WAY, eta=120)),
    ("OMW 15", cmd(K.ON_THE_WAY, eta=15)),
    ("on my way 10", cmd(K.ON_THE_WAY, eta=10)),
    ("On the way, 123, 30 minutes", cmd(K.ON_THE_WAY, "123", eta=30)),
    ("ONTHEWAY 5", cmd(K.ON_THE_WAY, eta=5)),
    ("en route 123", cmd(K.ON_THE_WAY, "123")),
    ("出发", cmd(K.ON_THE_WAY, lang="zh")),
    ("出发 20分钟", cmd(K.ON_THE_WAY, eta=20, lang="zh")),
    ("出发20分钟", cmd(K.ON_THE_WAY, eta=20, lang="zh")),
    ("出发了，大概半小时到", cmd(K.ON_THE_WAY, eta=30, lang="zh")),
    ("在路上 123", cmd(K.ON_THE_WAY, "123", lang="zh")),
    ("在路上 123 预计40分", cmd(K.ON_THE_WAY, "123", eta=40, lang="zh")),
    ("已出发 1小时", cmd(K.ON_THE_WAY, eta=60, lang="zh")),
    ("马上到 5分钟", cmd(K.ON_THE_WAY, eta=5, lang="zh")),
    ("OTW 123 at 10:30", cmd(K.ON_THE_WAY, "123")),
    # arrived
    ("ARR", cmd(K.ARRIVED)),
    ("arr 123", cmd(K.ARRIVED, "123")),
    ("ARRIVED 123", cmd(K.ARRIVED, "123")),
    ("Arrived.", cmd(K.ARRIVED)),
    ("ARRIVD", cmd(K.ARRIVED)),
    ("on site 123", cmd(K.ARRIVED, "123")),
    ("到", cmd(K.ARRIVED, lang="zh")),
    ("到了", cmd(K.ARRIVED, lang="zh")),
    ("到达", cmd(K.ARRIVED, lang="zh")),
    ("到达 123", cmd(K.ARRIVED, "123", lang="zh")),
    ("已到", cmd(K.ARRIVED, lang="zh")),
    ("已到场 123", cmd(K.ARRIVED, "123", lang="zh")),
    ("到现场了 3302", cmd(K.ARRIVED, "3302", lang="zh")),
    # warning sign
    ("SIGN", cmd(K.SIGN_PLACED)),
    ("sign 123", cmd(K.SIGN_PLACED, "123")),
    ("警示", cmd(K.SIGN_PLACED, lang="zh")),
    ("已设警示", cmd(K.SIGN_PLACED, lang="zh")),
    ("已设警示 3302", cmd(K.SIGN_PLACED, "3302", lang="zh")),
    ("警示牌 123", cmd(K.SIGN_PLACED, "123", lang="zh")),
    # major / minor
    ("MAJOR", cmd(K.MAJOR)),
    ("major 123 main pipe burst", cmd(K.MAJOR, "123", note="main pipe burst")),
    ("大修", cmd(K.MAJOR, lang="zh")),
    ("大修 123 发动机拆检", cmd(K.MAJOR, "123", note="发动机拆检", lang="zh")),
    ("MINOR", cmd(K.MINOR)),
    ("Minor 123", cmd(K.MINOR, "123")),
    ("小修", cmd(K.MINOR, lang="zh")),
    # waiting
    ("WAIT PARTS 123", cmd(K.WAIT_PARTS, "123")),
    ("wait parts", cmd(K.WAIT_PARTS)),
    ("WAIT FOR PARTS 123 valve out of stock", cmd(K.WAIT_PARTS, "123", reason="valve out of stock")),
    ("waitparts 123", cmd(K.WAIT_PARTS, "123")),
    ("等配件", cmd(K.WAIT_PARTS, lang="zh")),
    ("等配件 123 缺阀门", cmd(K.WAIT_PARTS, "123", reason="缺阀门", lang="zh")),
    ("WAIT CUST", cmd(K.WAIT_CUSTOMER)),
    ("wait customer 123 nobody home", cmd(K.WAIT_CUSTOMER, "123", reason="nobody home")),
    ("等客户", cmd(K.WAIT_CUSTOMER, lang="zh")),
    ("等客户 123 家里没人", cmd(K.WAIT_CUSTOMER, "123", reason="家里没人", lang="zh")),
    # resume
    ("RESUME", cmd(K.RESUME)),
    ("resume 123", cmd(K.RESUME, "123")),
    ("继续", cmd(K.RESUME, lang="zh")),
    ("继续 123", cmd(K.RESUME, "123", lang="zh")),
    # done
    ("DONE", cmd(K.DONE)),
    ("done 123", cmd(K.DONE, "123")),
    ("DONE 123 replaced valve", cmd(K.DONE, "123", note="replaced valve")),
    ("Done. Replaced valve", cmd(K.DONE, note="Replaced valve")),
    ("DOEN", cmd(K.DONE)),
    ("DNOE 123", cmd(K.DONE, "123")),
    ("fixed 123", cmd(K.DONE, "123")),
    ("完成", cmd(K.DONE, lang="zh")),
    ("完成了", cmd(K.DONE, lang="zh")),
    ("完工 123 换了阀门", cmd(K.DONE, "123", note="换了阀门", lang="zh")),
    ("已完成 123，井盖已更换。", cmd(K.DONE, "123", note="井盖已更换", lang="zh")),
    ("修好了 123", cmd(K.DONE, "123", lang="zh")),
    # parts
    ("PART 123 P-1001 x2", cmd(K.PART, "123", part="P-1001", qty=2)),
    ("PART P-1001 2", cmd(K.PART, part="P-1001", qty=2)),
    ("part p-1001", cmd(K.PART, part="P-1001")),
    ("PART 123 P-1001", cmd(K.PART, "123", part="P-1001")),
    ("PART 123 P-1001 X 3", cmd(K.PART, "123", part="P-1001", qty=3)),
    ("PART P-1001x2", cmd(K.PART, part="P-1001", qty=2)),
    ("parts 123 fv-20 *4", cmd(K.PART, "123", part="FV-20", qty=4)),
    ("配件 123 P-1001 2个", cmd(K.PART, "123", part="P-1001", qty=2, lang="zh")),
    ("配件 P-1001 ×2", cmd(K.PART, part="P-1001", qty=2, lang="zh")),
    ("配件 P-1001 两个", cmd(K.PART, part="P-1001", qty=2, lang="zh")),
    ("配件：123，P-2040，1件", cmd(K.PART, "123", part="P-2040", qty=1, lang="zh")),
    ("配件 123 阀门 2个", cmd(K.PART, "123", part="阀门", qty=2, lang="zh")),
    # my jobs, duty, help
    ("LIST", cmd(K.LIST)),
    ("jobs", cmd(K.LIST)),
    ("my jobs", cmd(K.LIST)),
    ("任务", cmd(K.LIST, lang="zh")),
    ("我的任务", cmd(K.LIST, lang="zh")),
    ("OFF", cmd(K.OFF_DUTY)),
    ("off duty", cmd(K.OFF_DUTY)),
    ("下班", cmd(K.OFF_DUTY, lang="zh")),
    ("下班了，明天见", cmd(K.OFF_DUTY, lang="zh")),
    ("ON", cmd(K.ON_DUTY)),
    ("on duty now", cmd(K.ON_DUTY)),
    ("上班", cmd(K.ON_DUTY, lang="zh")),
    ("?", cmd(K.HELP)),
    ("？", cmd(K.HELP, lang="zh")),
    ("??", cmd(K.HELP)),
    ("HELP", cmd(K.HELP)),
    ("help me", cmd(K.HELP)),
    ("帮助", cmd(K.HELP, lang="zh")),
    ("123 help", cmd(K.HELP)),
]


@pytest.mark.parametrize(("text", "want"), MESSAGES, ids=[t for t, _ in MESSAGES])
def test_message_gives_command(text, want):
    got = parse(text)
    assert isinstance(got, Command), got
    want = dict(want)
    lang = want.pop("lang")
    assert {k: getattr(got, k) for k in want} == want
    if lang is not None:
        assert got.language == lang


ERRORS = [
    ("", "empty"),
    ("   ", "empty"),
    ("\u3000\n", "empty"),
    ("123", "bare_number"),
    ("#123", "bare_number"),
    ("１２３", "bare_number"),
    ("123 456", "bare_number"),
    ("😀", "unknown_command"),
    ("👍👍👍", "unknown_command"),
    ("!!!", "unknown_command"),
    ("hello", "unknown_command"),
    ("NOWAY", "unknown_command"),
    ("YE 123", "unknown_command"),
    ("好像不行", "unknown_command"),
    ("是不是要去", "unknown_command"),
    ("到时候再说", "unknown_command"),
    ("MAYOR", "unknown_command"),
    ("MINER 123", "unknown_command"),
    ("gone", "unknown_command"),
    ("O N", "unknown_command"),
    ("ONN", "unknown_command"),
    ("No problem", "ambiguous"),
    ("OK no", "ambiguous"),
    ("好的 不去了", "ambiguous"),
    ("Y 12", "bad_job_code"),
    ("接 12345", "bad_job_code"),
    ("OTW 0", "bad_eta"),
    ("OTW 20H", "bad_eta"),
    ("WAIT", "which_wait"),
    ("wait 123", "which_wait"),
    ("等 123", "which_wait"),
    ("ON IT", "unexpected_argument"),
    ("ON 123", "unexpected_argument"),
    ("OFF 123", "unexpected_argument"),
    ("OFF ROUTE", "unexpected_argument"),
    ("LIST 5", "unexpected_argument"),
    ("PART", "missing_part"),
    ("PART 123", "missing_part"),
    ("PART 123 x2", "missing_part"),
    ("配件 123", "missing_part"),
    ("PART P-1001 x0", "bad_quantity"),
    ("PART P-1001 x two", "bad_quantity"),
    ("PART P-1001 x-1", "bad_quantity"),
    ("配件 P-1001 1000个", "bad_quantity"),
    ("PART 123 P-1001 P-1002", "bad_part_format"),
    ("Y " + "x" * MAX_CHARS, "too_long"),
    ("DONE 123 " + "换了阀门" * 500, "too_long"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS, ids=[t[:30] for t, _ in ERRORS])
def test_message_is_refused_with_a_reason(text, reason):
    got = parse(text)
    assert isinstance(got, ParseError), got
    assert got.reason == reason
    assert got.usage


def test_the_table_is_large_enough():
    assert len(MESSAGES) + len(ERRORS) >= 120


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ON", K.ON_DUTY),
        ("NO", K.DECLINE),
        ("OFF", K.OFF_DUTY),
        ("OTW", K.ON_THE_WAY),
        ("on", K.ON_DUTY),
        ("no", K.DECLINE),
        ("Y", K.ACCEPT),
        ("N", K.DECLINE),
    ],
)
def test_short_keywords_are_never_confused(text, kind):
    assert parse(text).kind is kind


def test_error_in_a_known_command_shows_that_command_in_the_senders_language():
    en = parse("PART 123")
    zh = parse("配件 123")
    assert en.kind is zh.kind is K.PART
    assert "PART 123 P-1001" in en.usage
    assert "配件 123 P-1001" in zh.usage


def test_unknown_message_shows_the_full_help_in_the_senders_language():
    assert parse("hello").usage == usage("en")
    assert parse("你好").usage == usage("zh")
    assert parse("你好").language == "zh"


def test_reason_and_note_keep_what_the_technician_wrote():
    assert parse("N 123 Van Broke Down").reason == "Van Broke Down"
    assert parse("DONE 123 Replaced PRV, pressure OK").note == "Replaced PRV, pressure OK"


def test_multi_line_message_reads_as_one():
    assert parse("DONE 123\nreplaced valve").note == "replaced valve"


def test_invisible_characters_are_ignored():
    assert parse("\u200bY\u200b 123\ufeff") == parse("Y 123")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_help_text_fits_two_sms(language):
    info = count_segments(usage(language))
    assert info.segments <= 2
    assert info.encoding == ("UCS-2" if language == "zh" else "GSM-7")


def test_help_text_mentions_every_command():
    for word in (
        "Y 123",
        "N 123",
        "OTW",
        "ARR",
        "SIGN",
        "MAJOR",
        "MINOR",
        "WAIT PARTS",
        "WAIT CUST",
        "RESUME",
        "DONE",
        "PART",
        "LIST",
        "ON",
        "OFF",
    ):
        assert word in usage("en")
    for word in (
        "接",
        "拒",
        "出发",
        "到达",
        "警示",
        "大修",
        "小修",
        "等配件",
        "等客户",
        "继续",
        "完成",
        "配件",
        "任务",
        "上班",
        "下班",
    ):
        assert word in usage("zh")
