"""`make screenshots`: the console's queue, map, a work order (an offer declined, the next one
running), the technicians and the phone-in page, in English and Chinese, as PNGs
in docs/ for the README. Runs the demo (plus a shift's worth of open reports) on a temporary
SQLite database behind a real server on a free port, and drives Debian's Chromium.

usage: python -m dispatch.console.screenshots [OUTPUT_DIR]
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

CHROMIUM = "/usr/bin/chromium"
#: (type, description) of the demo reports; the places come from the gazetteer.
REPORTS = [
    ("water_leak", "路面渗水，水量较大"),
    ("water_leak", "水表井冒水"),
    ("sewer_overflow", "污水井外溢，路面有积水"),
    ("manhole_cover", "井盖缺失，已有行人绊倒"),
    ("drain_cover", "雨水篦子破损"),
    ("road_damage", "路面塌陷约一平方米"),
    ("safety_accident", "施工沟槽塌方"),
    ("hot_issue", "小区长期停水，居民反映强烈"),
]


def demo_orders(session, count: int = 40, seed: int = 7) -> str:
    """Open orders of the demo county at various stages; returns a reference worth showing."""
    from dispatch import clock
    from dispatch.assign.models import Technician
    from dispatch.auth.models import Organisation, User
    from dispatch.geo.gazetteer import load_entries
    from dispatch.intake.placing import place_order
    from dispatch.orders.lifecycle import Actor, record, transition
    from dispatch.orders.models import Channel
    from dispatch.orders.service import create_order
    from dispatch.settings import CONFIG_DIR
    from dispatch.sla.service import apply_rules
    from dispatch.sms import outbox

    rng = random.Random(seed)
    org = session.scalar(sa.select(Organisation).where(Organisation.code == "xinye"))
    dispatcher = session.scalar(sa.select(User).where(User.username == "dispatcher"))
    techs = session.scalars(sa.select(Technician).where(Technician.org_id == org.id)).all()
    places = [
        e for e in load_entries(CONFIG_DIR / "gazetteer.csv", "xinye") if e.kind in ("street", "landmark")
    ]
    actor = Actor(Channel.CONSOLE, user_id=dispatcher.id)
    shown = None
    for i in range(count):
        type_code, text = REPORTS[i % len(REPORTS)]
        place = rng.choice(places)
        order = create_order(
            session,
            org_id=org.id,
            type_code=type_code,
            channel=rng.choice([Channel.PHONE, Channel.SMS, Channel.WEB]),
            actor=actor,
            owner_id=dispatcher.id,
            reported_at=clock.now() - timedelta(minutes=rng.randrange(2, 300)),
            description=text,
            address=place.name,
            reporter_name="市民",
            reporter_phone=f"+86139{rng.randrange(10**8):08d}",
            reporter_language="zh",
        )
        apply_rules(session, order)
        lat, lon = place.lat + rng.gauss(0, 0.002), place.lon + rng.gauss(0, 0.002)
        place_order(session, order, lat, lon, source="gazetteer", precision=place.kind, actor=Actor.system())
        if i % 3:
            transition(session, order, "queue", Actor.system())
        if i % 3 == 2:
            order.assignee_id = rng.choice(techs).id
            transition(session, order, "accept", actor, note="电话确认接单")
        if shown is None and type_code == "water_leak" and i % 3 == 1:
            shown = order.reference
            body = f"您反映的供水问题已受理，编号{order.reference}，维修人员将于1小时内到场。"
            outbox.send(session, "ack", to=order.reporter_phone, text=body, order=order, language="zh")
            record(session, order, "note", actor, note="来电人称水已漫到人行道")
            _offer_and_decline(session, order, actor)
    session.commit()
    return shown


def _offer_and_decline(session, order, actor) -> None:
    """The shown order: offered to the best candidate, who declines with a reason; the job moves
    on to the next one, whose offer is still running — what the page must make plain."""
    from dispatch.assign import dispatcher, offers
    from dispatch.orders.lifecycle import Actor
    from dispatch.orders.models import Channel

    first = offers.ranked(session, order, limit=1)
    if not first:
        return
    (offer,) = dispatcher.offer_to(session, order, first[0].technician_id, actor)
    offers.decline(
        session, offer, "在别的工地，过不去", Actor(Channel.SMS, technician_id=offer.technician_id)
    )


def main(out_dir: str = "docs") -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from dispatch import create_app
    from dispatch.demo import load_demo
    from dispatch.extensions import db

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dispatch-shots-")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp}/shots.db",
            "RATELIMIT_ENABLED": False,
            "DEMO_LOAD_WHEN_EMPTY": False,
            "CONSOLE_SSE_LIFETIME_S": 5.0,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_demo(db.session)
        reference = demo_orders(db.session)
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            for lang in ("en", "zh_Hans_CN"):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"{base}/login")
                page.fill("input[name=username]", "dispatcher")
                page.fill("input[name=password]", "demo-pass")
                page.click("main form button[type=submit]")
                page.wait_for_url("**/console/")
                page.evaluate(
                    """(lang) => fetch('/language/' + lang, {method: 'POST', body: new URLSearchParams(
                       {csrf_token: document.querySelector('input[name=csrf_token]').value, next: '/'})})""",
                    lang,
                )
                suffix = "en" if lang == "en" else "zh"
                for name, path, wait in (
                    ("queue", "/console/", ".countdown"),
                    ("map", "/console/map", ".site-icon"),
                    ("order", f"/console/orders/{reference}", "#milestones"),
                    ("technicians", "/console/technicians", "#technicians-table"),
                    ("phone-in", "/intake/phone", ".site-icon"),
                ):
                    page.goto(base + path)
                    page.wait_for_selector(wait, state="attached")
                    page.wait_for_timeout(1200)  # countdowns tick, markers settle
                    target = out / f"console-{name}.{suffix}.png"
                    page.screenshot(path=str(target))
                    print(target)
                page.close()
            browser.close()
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
