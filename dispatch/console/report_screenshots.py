"""`make screenshots` (second part): a service report from the technician's DONE to a closed,
signed, approved order, in English and Chinese, as PNGs in docs/ for the README's walkthrough.
The demo on a temporary SQLite database behind a real server; the technician's SMS go through
the inbound pipe (as the webhook hands them on); Debian's Chromium draws the signature.

usage: python -m dispatch.console.report_screenshots [OUTPUT_DIR]
"""

from __future__ import annotations

import itertools
import re
import sys
import tempfile
import threading
from pathlib import Path

import sqlalchemy as sa

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
#: What the technician texts, per language.
TEXTS = {
    "zh": (
        "配件 ZY-HINGE-01 2",
        "完成 更换左前门铰链，调整门缝",
        "原因 铰链螺栓松动断裂",
        "里程 363500",
        "责任 1",
    ),
    "en": (
        "PART ZY-HINGE-01 2",
        "DONE replaced the front left door hinge",
        "CAUSE hinge bolt sheared",
        "KM 363500",
        "RESP 1",
    ),
}
_sids = itertools.count(1)


def text(session, sender: str, body: str) -> str:
    from dispatch.sms import inbound

    message = inbound.receive(
        session, provider_id=f"SMshot{next(_sids):028d}", sender=sender, recipient="+8640060001", body=body
    )
    return message.reply or ""


def prepare(session, language: str) -> tuple[str, str, str, str]:
    """A body-fault job of the coach maker, on site; the technician sends PART and DONE.
    Returns (reference, the filling link from the DONE reply, the technician's and driver's numbers)."""
    from dispatch.assign.models import Technician
    from dispatch.auth.models import Organisation
    from dispatch.geo.models import Customer
    from dispatch.orders.lifecycle import Actor, transition
    from dispatch.orders.models import Channel
    from dispatch.orders.service import create_order

    org = session.scalar(sa.select(Organisation).where(Organisation.code == "zycoach"))
    code = "ZY-T01" if language == "zh" else "ZY-T03"
    tech = session.scalar(sa.select(Technician).where(Technician.code == code))
    tech.language = language
    coach = session.scalar(sa.select(Customer).where(Customer.account == "LZYB908DXLZ123332"))
    driver = "+8613700001111" if language == "zh" else "+447700900123"
    order = create_order(
        session,
        org_id=org.id,
        type_code="vehicle_body_fault",
        channel=Channel.PHONE,
        actor=Actor.system(),
        description="左前门关不严，行驶中异响" if language == "zh" else "Front left door does not close",
        reporter_name="王师傅" if language == "zh" else "Mr Smith",
        reporter_phone=driver,
        reporter_language=language,
        customer_id=coach.id,
        address="南阳市卧龙路 88 号",
    )
    actor = Actor(Channel.CONSOLE)
    for action in ("locate", "queue"):
        transition(session, order, action, actor)
    order.assignee_id, order.job_code = tech.id, f"{400 + len(language)}"
    transition(session, order, "accept", actor)
    transition(session, order, "arrive", Actor(Channel.SMS, technician_id=tech.id))
    session.commit()
    part, done = TEXTS[language][:2]
    text(session, tech.phone, part)
    fill_link = re.search(r"https?://\S+", text(session, tech.phone, done)).group(0)
    return order.reference, fill_link, tech.phone, driver


def finish(session, language: str, tech_phone: str, driver: str) -> str:
    """The technician answers what is missing by SMS; returns the customer's signing link."""
    from dispatch.sms.models import OutboxMessage

    for body in TEXTS[language][2:]:
        text(session, tech_phone, body)
    sign = session.scalar(
        sa.select(OutboxMessage.body).where(
            OutboxMessage.recipient == driver, OutboxMessage.kind == "report_sign"
        )
    )
    return re.search(r"https?://\S+", sign).group(0)


def main(out_dir: str = "docs") -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from dispatch import create_app
    from dispatch.demo import load_demo
    from dispatch.extensions import db

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dispatch-report-shots-")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp}/shots.db",
            "RATELIMIT_ENABLED": False,
            "DEMO_LOAD_WHEN_EMPTY": False,
            "ASSIGN_AUTO_DISPATCH": False,
        }
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_demo(db.session, with_reports=False)
        db.session.commit()
        jobs = {language: prepare(db.session, language) for language in ("zh", "en")}
        db.session.remove()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def shot(page, name: str, suffix: str) -> None:
        target = out / f"report-{name}.{suffix}.png"
        page.screenshot(path=str(target), full_page=True)
        print(target)

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            for suffix, (reference, fill_link, tech_phone, driver) in jobs.items():
                locale = "zh-CN" if suffix == "zh" else "en-US"
                phone = browser.new_context(locale=locale, viewport=PHONE, device_scale_factor=2)
                page = phone.new_page()
                page.goto(fill_link)
                shot(page, "fill", suffix)
                with app.app_context():
                    sign_link = finish(db.session, suffix, tech_phone, driver)
                    db.session.remove()
                page.goto(sign_link)
                page.fill("#signer-name", "王师傅" if suffix == "zh" else "John Smith")
                box = page.locator("#signature-pad").bounding_box()
                page.mouse.move(box["x"] + 20, box["y"] + 110)
                page.mouse.down()
                for x, y in ((50, 40), (90, 130), (130, 50), (180, 120), (230, 45), (300, 100)):
                    page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
                page.mouse.up()
                page.check("input[name=rating][value='5']")
                shot(page, "sign", suffix)
                page.click("#sign-submit")
                page.locator("#signed").wait_for()
                shot(page, "signed", suffix)
                phone.close()

                console = browser.new_context(locale=locale, viewport={"width": 1300, "height": 900})
                page = console.new_page()
                page.goto(f"{base}/login")
                page.fill("input[name=username]", "coach.supervisor")
                page.fill("input[name=password]", "demo-pass")
                page.click("main form button[type=submit]")
                page.wait_for_url("**/console/")
                lang = "en" if suffix == "en" else "zh_Hans_CN"
                page.evaluate(
                    """(lang) => fetch('/language/' + lang, {method: 'POST', body: new URLSearchParams(
                       {csrf_token: document.querySelector('input[name=csrf_token]').value, next: '/'})})""",
                    lang,
                )
                page.goto(f"{base}/console/orders/{reference}/report")
                shot(page, "console", suffix)
                page.click("#approve")
                page.wait_for_load_state("networkidle")
                page.goto(f"{base}/console/orders/{reference}")
                page.wait_for_selector("#service-report")
                shot(page, "closed", suffix)
                console.close()
            browser.close()
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
