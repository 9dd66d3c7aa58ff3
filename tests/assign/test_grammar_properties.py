"""Properties of the SMS grammar that must hold for any text a phone can send."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.assign.grammar import Command, CommandKind, ParseError, parse

K = CommandKind
PROPERTY = settings(max_examples=300, deadline=None)

# One canonical message per command and language, as the help text teaches it.
CANONICAL = [
    ("Y 123", K.ACCEPT),
    ("接 123", K.ACCEPT),
    ("N 123 too far", K.DECLINE),
    ("拒 123 太远", K.DECLINE),
    ("OTW 123 20", K.ON_THE_WAY),
    ("出发 123 20分钟", K.ON_THE_WAY),
    ("ARR 123", K.ARRIVED),
    ("到达 123", K.ARRIVED),
    ("SIGN 123", K.SIGN_PLACED),
    ("警示 123", K.SIGN_PLACED),
    ("MAJOR 123", K.MAJOR),
    ("大修 123", K.MAJOR),
    ("MINOR 123", K.MINOR),
    ("小修 123", K.MINOR),
    ("WAIT PARTS 123", K.WAIT_PARTS),
    ("等配件 123", K.WAIT_PARTS),
    ("WAIT CUST 123", K.WAIT_CUSTOMER),
    ("等客户 123", K.WAIT_CUSTOMER),
    ("RESUME 123", K.RESUME),
    ("继续 123", K.RESUME),
    ("DONE 123 replaced valve", K.DONE),
    ("完成 123 换了阀门", K.DONE),
    ("PART 123 P-1001 x2", K.PART),
    ("配件 123 P-1001 2个", K.PART),
    ("LIST", K.LIST),
    ("任务", K.LIST),
    ("OFF", K.OFF_DUTY),
    ("下班", K.OFF_DUTY),
    ("ON", K.ON_DUTY),
    ("上班", K.ON_DUTY),
    ("HELP", K.HELP),
    ("帮助", K.HELP),
]

any_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),  # everything, control and format characters included
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width forms
        st.sampled_from("\u3000\u200b\ufeff😀👍🔧\n\t\r"),
        st.sampled_from("YNOTWFPARX0123456789 #-,:?"),
        st.sampled_from("接拒出发到达警示大小修等配件客户继续完成任务上下班帮助了好是"),
    ),
    max_size=400,
)


@PROPERTY
@given(any_text)
def test_parse_never_raises_and_always_answers_in_a_known_language(text):
    result = parse(text)
    assert isinstance(result, Command | ParseError)
    assert result.language in ("zh", "en")
    if isinstance(result, ParseError):
        assert result.reason and result.usage
    else:
        assert result.job_code is None or (result.job_code.isdigit() and 3 <= len(result.job_code) <= 4)
        assert 1 <= result.quantity <= 999


def _full_width(ch: str) -> str:
    if ch == " ":
        return "\u3000"
    if "!" <= ch <= "~":
        return chr(ord(ch) + 0xFEE0)
    return ch


@st.composite
def noisy(draw, text: str) -> str:
    """``text`` as a phone might send it: random case, full-width characters, extra spaces
    between and around the words, trailing punctuation."""
    out = []
    for word in text.split(" "):
        chars = []
        for ch in word:
            if draw(st.booleans()):
                ch = ch.swapcase()
            if draw(st.integers(0, 3)) == 0:
                ch = _full_width(ch)
            chars.append(ch)
        out.append("".join(chars))
    space = st.sampled_from([" ", "  ", "\u3000", " \u3000 ", "\t"])
    joined = "".join(w + draw(space) for w in out[:-1]) + out[-1]
    before = draw(st.sampled_from(["", " ", "\u3000", "  \n"]))
    after = draw(st.text(alphabet="。！!.?？ ", max_size=3))
    return before + joined + after


@PROPERTY
@given(st.data())
def test_canonical_command_with_noise_keeps_its_kind(data):
    text, kind = data.draw(st.sampled_from(CANONICAL))
    result = parse(data.draw(noisy(text)))
    assert isinstance(result, Command), (text, result)
    assert result.kind is kind


@PROPERTY
@given(st.data())
def test_canonical_command_with_noise_keeps_its_arguments(data):
    text, _ = data.draw(st.sampled_from(CANONICAL))
    clean = parse(text)
    result = parse(data.draw(noisy(text)))
    fields = ("kind", "job_code", "eta_min", "quantity", "part_code")
    assert [getattr(result, f) for f in fields] == [getattr(clean, f) for f in fields]


SHORT = {"ON": K.ON_DUTY, "NO": K.DECLINE, "OFF": K.OFF_DUTY, "OTW": K.ON_THE_WAY}


@PROPERTY
@given(st.data())
def test_on_no_off_otw_stay_distinct(data):
    word = data.draw(st.sampled_from(sorted(SHORT)))
    result = parse(data.draw(noisy(word)))
    assert isinstance(result, Command)
    assert result.kind is SHORT[word]


@PROPERTY
@given(st.data())
def test_on_no_off_otw_with_a_job_code_are_never_each_other(data):
    word = data.draw(st.sampled_from(sorted(SHORT)))
    code = data.draw(st.from_regex(r"[1-9][0-9]{2,3}", fullmatch=True))
    result = parse(data.draw(noisy(f"{word} {code}")))
    # ON and OFF take no job code: refused, but never read as decline or on the way.
    assert result.kind is SHORT[word]
    if isinstance(result, Command):
        assert result.job_code == code
