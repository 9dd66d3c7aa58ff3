"""Every interface text has its Chinese translation, and pages follow the chosen language."""

from pathlib import Path

from babel.messages.pofile import read_po

from tests.factories import make_org, make_user

CATALOG = Path(__file__).resolve().parent.parent / "dispatch/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_the_chinese_catalog_has_no_untranslated_text():
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh)
    missing = [m.id for m in catalog if m.id and not m.string]
    assert missing == []


def test_login_page_in_chinese_and_english(client):
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "登录" in zh and "Log in" not in zh
    en = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in en and "登录" not in en


def test_language_switch_sticks(client, db):
    make_user(make_org(), username="d1")
    db.commit()
    client.post("/language/en", data={"next": "/login"})
    assert "Log in" in client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
