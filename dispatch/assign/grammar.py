"""The technician's SMS command language, in Chinese and English: text in, one command out.

``parse(text)`` returns a ``Command`` or a ``ParseError`` and never raises, whatever arrives.
A message is one keyword, optionally followed by a job code and the command's arguments:
``Y 123``, ``拒 123 太远``, ``OTW 123 20``, ``配件 P-1001 ×2``. ``usage(language)`` is the help text.

Decisions a reader should know:

* Tolerance: NFKC first (full-width ``ＹＥＳ　１２３`` becomes ``YES 123``), invisible format
  characters dropped, whitespace and line breaks collapsed, ASCII case ignored, separators after
  the keyword (``Y,123`` ``Y-123`` ``#123`` ``接单：123``) and trailing ``。！!?.`` ignored, a
  number glued to the keyword (``Y123``, ``接123``) accepted, and a job code written first
  (``123 Y``) accepted too.
* Typos: English keywords of 4+ letters are matched at one edit (four-letter ones only by
  swapping two neighbours: DOEN, DNOE) against a single typed word of 4+ letters; a word that
  is one edit from keywords of two different commands, or is itself a common English word
  (MAYOR, MINER, …), matches nothing. Short keywords (Y, N, NO, ON, OFF, OTW, OK) are
  matched exactly, so ``NO`` never becomes ``ON`` and ``OFF`` never ``OTW``.
* Doubt is an error, never a guess: ``NO PROBLEM`` (yes, starting with NO), an acceptance
  followed by a refusal (``OK no``, ``好的 不去``), or a bare number (``123``) all ask again.
* Single-character Chinese keywords (接 拒 是 好 到) must stand alone or be followed by a
  number or punctuation: ``好像不行`` and ``是不是`` are not ``好``/``是``.
* Job codes are 3–4 digits. On ``OTW`` a number of 1–2 digits (or any number with a unit:
  ``20分钟``, ``45MIN``, ``1H``, ``半小时``) is the ETA in minutes, 3–4 digits the job code.
* Commands without arguments (LIST, ON, OFF) refuse a number or an English word after them
  (``ON IT``, ``OFF 123`` are errors: likely another command mistyped), but ignore Chinese
  chatter (``下班了明天见``). HELP ignores whatever follows.
* ``REQ`` (ask for parts, 领料) reads its arguments as ``PART`` does; ``VAN`` (车存) takes none;
  ``PACKED`` (旧件) takes the job code.
* ``PART``: ``[job] CODE [qty]``; the code is the first token that is not a bare number
  (ASCII letters upper-cased), the quantity 1–999 written ``x2``, ``×2``, ``*2``, ``2``,
  ``2个``/``2件``…, ``两个``. One part per message: anything more is an error.
* A body longer than ``MAX_CHARS`` is refused (``too_long``) rather than half-read: a command
  never needs that much, and a forwarded or pasted text must not trigger one by accident.
* ``language`` is ``"zh"`` when the text has any CJK character — an ideograph, CJK punctuation
  (``，。``) or a full-width form (``ＹＥＳ``, typed with a Chinese input method) — else ``"en"``.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from dispatch.language import IDEOGRAPHS, is_chinese

Language = Literal["zh", "en"]

MAX_CHARS = 320


class CommandKind(enum.Enum):
    ACCEPT = "accept"
    DECLINE = "decline"
    ON_THE_WAY = "on_the_way"
    ARRIVED = "arrived"
    SIGN_PLACED = "sign_placed"
    MAJOR = "major"
    MINOR = "minor"
    WAIT_PARTS = "wait_parts"
    WAIT_CUSTOMER = "wait_customer"
    RESUME = "resume"
    DONE = "done"
    PART = "part"
    #: Ask for parts for a job (a requisition); the van's stock; the old part is packed.
    REQUEST_PARTS = "request_parts"
    VAN_STOCK = "van_stock"
    PACKED = "packed"
    LIST = "list"
    #: Which job of his plan to go to now.
    NEXT = "next"
    OFF_DUTY = "off_duty"
    ON_DUTY = "on_duty"
    HELP = "help"


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    #: The 3–4 digit job code; None when left out (the caller picks the only job that fits).
    job_code: str | None = None
    eta_min: int | None = None  #: ON_THE_WAY only
    reason: str | None = None  #: DECLINE, WAIT_PARTS, WAIT_CUSTOMER
    note: str | None = None  #: DONE (what was done); MAJOR / MINOR (what was found)
    part_code: str | None = None  #: PART only
    quantity: int = 1  #: PART only
    language: Language = "en"


@dataclass(frozen=True)
class ParseError:
    #: empty, too_long, unknown_command, bare_number, bad_job_code, bad_eta, which_wait,
    #: unexpected_argument, ambiguous, missing_part, bad_quantity, bad_part_format
    reason: str
    language: Language
    #: What to send back: the right form of the command, or the whole help text.
    usage: str
    #: The command the technician seemed to mean, when the keyword was understood.
    kind: CommandKind | None = None


K = CommandKind
# Each command's words. English entries of several words are written joined ("ONTHEWAY"):
# the leading words of a message are tried joined, longest first, so "ON THE WAY" and
# "ONTHEWAY" both match while "ON" alone stays on duty. "WAIT" alone is kept to ask which wait.
_WORDS: dict[CommandKind | None, tuple[str, str]] = {
    K.ACCEPT: ("Y YES YEP OK OKAY ACCEPT ACCEPTED", "接 接单 接受 是 是的 好 好的 好嘞"),
    K.DECLINE: ("N NO DECLINE DECLINED REJECT", "拒 拒绝 拒接 拒单 不接 不接单 不去"),
    K.ON_THE_WAY: ("OTW OMW ONTHEWAY ONMYWAY ONWAY ENROUTE", "出发 出发了 已出发 在路上 路上 马上到"),
    K.ARRIVED: ("ARR ARRIVED ARRIVE ONSITE", "到 到了 到达 已到 已到达 到场 已到场 到现场"),
    K.SIGN_PLACED: ("SIGN SIGNPLACED", "警示 已设警示 设警示 警示牌 已放警示 已设置警示"),
    K.MAJOR: ("MAJOR", "大修"),
    K.MINOR: ("MINOR", "小修"),
    K.WAIT_PARTS: ("WAITPARTS WAITPART WAITFORPARTS", "等配件 等待配件 等件 等料 待料"),
    K.WAIT_CUSTOMER: ("WAITCUST WAITCUSTOMER WAITFORCUSTOMER WAITCLIENT", "等客户 等待客户 等用户"),
    K.RESUME: ("RESUME RESUMED", "继续 恢复"),
    K.DONE: ("DONE FIXED FINISHED COMPLETE COMPLETED", "完成 完工 已完成 已完工 修好 修好了"),
    K.PART: ("PART PARTS", "配件 用件"),
    K.REQUEST_PARTS: ("REQ REQUEST NEED", "领料 要件 申领 领件"),
    K.VAN_STOCK: ("VAN STOCK MYVAN", "车存 车上 库存 我的配件"),
    K.PACKED: ("PACKED PACK OLDPART", "旧件 旧件已打包 已打包 打包"),
    K.LIST: ("LIST JOBS MYJOBS", "任务 我的任务 任务列表 列表"),
    K.NEXT: ("NEXT NEXTJOB", "下一个 下一单 下个 下一个任务"),
    K.OFF_DUTY: ("OFF OFFDUTY", "下班 收工"),
    K.ON_DUTY: ("ON ONDUTY", "上班 开工"),
    K.HELP: ("HELP MENU", "帮助 菜单"),
    None: ("WAIT WAITFOR", "等"),
}
_EN = {w: kind for kind, (en, _) in _WORDS.items() for w in en.split()}
_ZH = {w: kind for kind, (_, zh) in _WORDS.items() for w in zh.split()}
_ZH_LONGEST = max(map(len, _ZH))
# Joined phrases starting with ON/OFF are exact only: "NOWAY" is one swap from "ONWAY".
_FUZZY = {w: k for w, k in _EN.items() if len(w) >= 4 and not w.startswith(("ON", "OFF")) or w == "ONTHEWAY"}
# Real words one edit from a keyword; someone writing them did not mistype the keyword.
_NOT_TYPOS = frozenset({"MAYOR", "MANOR", "MINER", "MIXED", "ACCENT", "ACCENTED", "PARTY", "PANTS", "SING"})
# After a command without arguments these words change nothing ("OFF DUTY NOW", "LIST ALL").
_FILLER = frozenset({"DUTY", "NOW", "PLS", "PLEASE", "THANKS", "THX", "ALL", "TODAY", "JOBS", "JOB", "MY"})
_NO_ARGS = frozenset({K.LIST, K.NEXT, K.OFF_DUTY, K.ON_DUTY, K.HELP, K.VAN_STOCK})
# "No problem" answers yes in English but starts with NO: it is neither, ask again.
_AMBIGUOUS_WORDS = frozenset({"NOPROBLEM", "NOPROB", "NOWORRIES"})
# Words that, right after an acceptance, turn it into a refusal ("OK no", "好的 不去").
_NEGATION = re.compile(r"(?:N|NO|NOT|DECLINE|REJECT|CANT|CANNOT)(?![A-Za-z])|[不拒没]", re.A | re.I)
_UNKNOWN = object()  # no keyword matched
_AMBIGUOUS = object()  # a keyword that could mean either of two commands
# Chinese sentence particles that may follow a keyword ("下班了", "完成啦").
_PARTICLES = "了啦嘞喽咯吧呢哈"

_HAN = re.compile(f"[{IDEOGRAPHS}]")

_LEAD = re.compile(r"^[\s,、:;#=/.。\-]+")
_TRAIL = re.compile(r"[\s。.!?,、;~]+$")
_WORD_RUN = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*", re.A)
_JOB = re.compile(r"(?:(?:JOB|工单|单号)\s*[#:]?\s*)?(\d+)号?", re.A | re.I)
_LEADING_JOB = re.compile(r"#?(\d{3,4})[\s,:#\-]+(?=\D)", re.A)
_ETA = re.compile(
    r"(\d{1,2}:\d{2})|(半个?小时|HALF (?:AN )?HOUR)"
    r"|(?<![A-Za-z\d.])(\d+(?:\.\d+)?)\s*(分钟|分|MINUTES?|MINS?|M|个?小时|HOURS?|HRS?|H)?(?![A-Za-z])",
    re.A | re.I,
)
_CN_NUMBER = dict(zip("一二两三四五六七八九十", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10), strict=True))
_QTY = re.compile(
    r"(?:[X×*]|QTY|数量)?\s*(\d+|[一二两三四五六七八九十])(?:个|件|只|套|根|支|条|块|PCS|PC)?", re.A | re.I
)

_FORMS: dict[CommandKind, tuple[str, str]] = {
    K.ACCEPT: ("Y 123", "接 123"),
    K.DECLINE: ("N 123 reason", "拒 123 原因"),
    K.ON_THE_WAY: ("OTW 123 20 (job, minutes)", "出发 123 20分钟"),
    K.ARRIVED: ("ARR 123", "到达 123"),
    K.SIGN_PLACED: ("SIGN 123", "警示 123"),
    K.MAJOR: ("MAJOR 123 what you found", "大修 123 情况"),
    K.MINOR: ("MINOR 123 what you found", "小修 123 情况"),
    K.WAIT_PARTS: ("WAIT PARTS 123 or WAIT CUST 123", "等配件 123 或 等客户 123"),
    K.WAIT_CUSTOMER: ("WAIT CUST 123 or WAIT PARTS 123", "等客户 123 或 等配件 123"),
    K.RESUME: ("RESUME 123", "继续 123"),
    K.DONE: ("DONE 123 what was done", "完成 123 做了什么"),
    K.PART: ("PART 123 P-1001 x2 (one part each SMS)", "配件 123 P-1001 2个（每条一种）"),
    K.REQUEST_PARTS: ("REQ 123 P-1001 x2 (one part each SMS)", "领料 123 P-1001 2个（每条一种）"),
    K.VAN_STOCK: ("VAN", "车存"),
    K.PACKED: ("PACKED 123", "旧件 123"),
    K.LIST: ("LIST", "任务"),
    K.NEXT: ("NEXT", "下一个"),
    K.OFF_DUTY: ("OFF (off duty)", "下班"),
    K.ON_DUTY: ("ON (on duty)", "上班"),
    K.HELP: ("HELP", "帮助"),
}
_USAGE = {
    "en": "Reply: Y 123 accept; N 123 reason decline; OTW 123 20 on the way, mins; ARR arrived; "
    "SIGN warning sign placed; MAJOR/MINOR; WAIT PARTS/WAIT CUST; RESUME; DONE 123 note; "
    "PART 123 P-1001 x2; REQ 123 P-1001 x2; VAN; PACKED 123; LIST my jobs; NEXT; "
    "ON/OFF duty. "
    "Job number optional if you have one job.",
    "zh": "回复：接 123；拒 123 原因；出发 123 20分钟；到达；警示；大修/小修；等配件/等客户；继续；"
    "完成 123 说明；配件 123 P-1001 2个；领料 123 P-1001 2个；车存；旧件 123；"
    "任务；下一个；上班/下班。只有一单可不写单号",
}


def usage(language: str) -> str:
    """The short list of commands, in Chinese for ``"zh"``, else English (two SMS at most)."""
    return _USAGE["zh" if language.startswith("zh") else "en"]


def form(kind: CommandKind, language: str, code: str | None = None) -> str:
    """The right form of one command ("Send: ARR 123" / "格式：到达 123"), with ``code`` in place
    of the example job number when given."""
    en, zh = _FORMS[kind]
    text = f"格式：{zh}" if language.startswith("zh") else f"Send: {en}"
    return text.replace("123", code) if code else text


def parse(text: str) -> Command | ParseError:
    """Read one technician SMS. Never raises; see the module docstring for what is accepted."""
    text = text or ""
    lang: Language = "zh" if is_chinese(text) else "en"
    if len(text.strip()) > MAX_CHARS:
        return _error("too_long", lang)
    s = _normalize(text)
    if not s:
        return _error("empty", lang)
    if re.fullmatch(r"[?!.。~,、]+", s):
        return Command(K.HELP, language=lang) if "?" in s else _error("unknown_command", lang)
    s = _TRAIL.sub("", s)
    leading = _LEADING_JOB.match(s)
    if leading:
        # "123 Y": the code came first. Only a command that took no code of its own gets it.
        found = _parse_body(s[leading.end() :], lang)
        if isinstance(found, ParseError) or found.kind is K.HELP:
            return found
        if found.job_code is None and found.kind not in _NO_ARGS:
            return replace(found, job_code=leading.group(1))
        return _error("bad_job_code", lang, found.kind)
    return _parse_body(s, lang)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    chars = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" or ch.isspace():
            chars.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            chars.append(ch)
    return " ".join("".join(chars).split())


def _parse_body(s: str, lang: Language) -> Command | ParseError:
    if not s:
        return _error("empty", lang)
    if re.match(r"#?\d", s):
        return _error("bare_number", lang)
    kind, rest, chinese = _keyword(s)
    if kind is _UNKNOWN:
        return _error("unknown_command", lang)
    if kind is _AMBIGUOUS:
        return _error("ambiguous", lang)
    if kind is None:
        return _error("which_wait", lang, K.WAIT_PARTS)
    if chinese:
        rest = rest.lstrip(_PARTICLES)
    rest = _LEAD.sub("", rest)
    if kind is K.ON_THE_WAY:
        return _on_the_way(rest, lang)
    if kind in (K.PART, K.REQUEST_PARTS):
        found = _part(rest, lang)
        if kind is K.REQUEST_PARTS:
            return (
                replace(found, kind=kind) if isinstance(found, Command) else _error(found.reason, lang, kind)
            )
        return found
    if kind in _NO_ARGS:
        words = re.findall(r"[A-Za-z]+", rest, re.A)
        if kind is not K.HELP and (re.search(r"\d", rest) or any(w.upper() not in _FILLER for w in words)):
            return _error("unexpected_argument", lang, kind)
        return Command(kind, language=lang)
    job, rest = _job_prefix(rest)
    if job == "":
        return _error("bad_job_code", lang, kind)
    extra = _LEAD.sub("", rest).strip() or None
    if kind is K.ACCEPT and extra and _NEGATION.match(extra):
        return _error("ambiguous", lang, K.ACCEPT)
    return Command(
        kind,
        job_code=job,
        reason=extra if kind in (K.DECLINE, K.WAIT_PARTS, K.WAIT_CUSTOMER) else None,
        note=extra if kind in (K.DONE, K.MAJOR, K.MINOR) else None,
        language=lang,
    )


def _keyword(s: str) -> tuple[object, str, bool]:
    """The command the message starts with, the text after its keyword, and whether the keyword
    was Chinese. The command is ``None`` for a bare "WAIT", ``_UNKNOWN`` when nothing matched."""
    run = _WORD_RUN.match(s)
    if run:
        words = run.group().split(" ")
        ends = [m.end() for m in re.finditer(r"[A-Za-z]+", run.group(), re.A)]
        for n in range(len(words), 0, -1):
            if n > 1 and min(map(len, words[:n])) < 2:
                continue  # "N O" and "O N" are not "NO" and "ON": only whole words are joined
            joined = "".join(words[:n]).upper()
            if joined in _EN or joined in _AMBIGUOUS_WORDS:
                return _EN.get(joined, _AMBIGUOUS), s[ends[n - 1] :], False
        return _fuzzy(words[0].upper()), s[ends[0] :], False
    for n in range(min(_ZH_LONGEST, len(s)), 0, -1):
        if s[:n] in _ZH:
            after = s[n : n + 1]
            # A one-character keyword followed by another ideograph is a word of its own (好像).
            if n == 1 and after and _HAN.match(after):
                break
            return _ZH[s[:n]], s[n:], True
    return _UNKNOWN, s, False


def _fuzzy(word: str) -> object:
    if len(word) < 4 or word in _NOT_TYPOS:
        return _UNKNOWN
    kinds = {kind for target, kind in _FUZZY.items() if _one_edit(word, target, swap_only=len(target) == 4)}
    return kinds.pop() if len(kinds) == 1 else _UNKNOWN


def _one_edit(a: str, b: str, *, swap_only: bool) -> bool:
    """True when ``a`` is ``b`` with one neighbour swap, or (unless ``swap_only``) one letter
    changed, added or dropped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 and not swap_only
    if swap_only or abs(len(a) - len(b)) != 1:
        return False
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _job_prefix(rest: str) -> tuple[str | None, str]:
    """A job code at the start of ``rest`` and what follows it; ``""`` for a number that cannot
    be a job code (wrong length)."""
    m = _JOB.match(rest)
    if not m:
        return None, rest
    digits = m.group(1)
    return (digits if 3 <= len(digits) <= 4 else ""), rest[m.end() :]


def _on_the_way(rest: str, lang: Language) -> Command | ParseError:
    job: str | None = None
    eta: int | None = None
    for m in _ETA.finditer(rest):
        clock, half, number, unit = m.groups()
        minutes: int | None = None
        if clock:
            continue  # "10:30" is a time of day, not minutes
        if half:
            minutes = 30
        elif unit:
            if len(number) > 6:
                return _error("bad_eta", lang, K.ON_THE_WAY)
            hours = unit.upper().startswith("H") or unit.endswith("时")
            minutes = round(float(number) * (60 if hours else 1))
        elif "." in number:
            continue
        elif 3 <= len(number) <= 4 and job is None:
            job = number
        elif len(number) <= 2:
            minutes = int(number)
        else:
            return _error("bad_job_code", lang, K.ON_THE_WAY)
        if eta is None:
            eta = minutes
    if eta is not None and not 1 <= eta <= 600:
        return _error("bad_eta", lang, K.ON_THE_WAY)
    return Command(K.ON_THE_WAY, job_code=job, eta_min=eta, language=lang)


def _part(rest: str, lang: Language) -> Command | ParseError:
    tokens = re.sub(r"[,、;:]", " ", rest).split()
    quantity_text: str | None = None
    if len(tokens) >= 2 and tokens[-2].upper() in ("X", "×", "*", "QTY", "数量"):
        quantity_text, tokens = tokens[-1], tokens[:-2]
    elif tokens and (glued := re.fullmatch(r"(.*\d)[Xx](\d.*)|(.+?)[×*](.+)", tokens[-1])):
        # "P-1001x2", "P-1001×2": the code and the count written as one.
        code, count = (glued.group(1), glued.group(2)) if glued.group(1) else (glued.group(3), glued.group(4))
        quantity_text, tokens = count, [*tokens[:-1], code]
    elif tokens and _QTY.fullmatch(tokens[-1]):
        quantity_text, tokens = tokens[-1], tokens[:-1]
    elif len(tokens) >= 2 and re.match(r"[X×*]", tokens[-1], re.I):
        quantity_text, tokens = tokens[-1][1:], tokens[:-1]  # "x-1", "xx": a count, badly written
    job = None
    if tokens and tokens[0].isdigit():
        if not 3 <= len(tokens[0]) <= 4:
            return _error("bad_job_code", lang, K.PART)
        job, tokens = tokens[0], tokens[1:]
    if not tokens:
        return _error("missing_part", lang, K.PART)
    if len(tokens) > 1 or tokens[0].isdigit():
        return _error("bad_part_format", lang, K.PART)
    quantity = 1
    if quantity_text is not None:
        m = _QTY.fullmatch(quantity_text)
        if not m or len(m.group(1)) > 3:
            return _error("bad_quantity", lang, K.PART)
        quantity = _CN_NUMBER.get(m.group(1)) or int(m.group(1))
        if not 1 <= quantity <= 999:
            return _error("bad_quantity", lang, K.PART)
    code = re.sub(r"[a-z]+", lambda m: m.group().upper(), tokens[0])
    return Command(K.PART, job_code=job, part_code=code, quantity=quantity, language=lang)


def _error(reason: str, lang: Language, kind: CommandKind | None = None) -> ParseError:
    if kind is None:
        text = usage(lang)
    else:
        en, zh = _FORMS[kind]
        text = f"格式：{zh}" if lang == "zh" else f"Send: {en}"
    return ParseError(reason=reason, language=lang, usage=text, kind=kind)
