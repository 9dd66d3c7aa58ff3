"""A handful of believable open reports for the demo, taken through the intake operation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.intake.service import take_report
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Channel

#: (org, type, channel, taken by, minutes ago, fields)
REPORTS = [
    (
        "xinye",
        "water_leak",
        Channel.PHONE,
        "dispatcher",
        35,
        dict(
            description="人民路与健康路交叉口东侧自来水管冒水，水流到路面上",
            address="人民路与健康路交叉口",
            reporter_name="王先生",
            reporter_phone="13937712345",
            severity="major",
        ),
    ),
    (
        "xinye",
        "manhole_cover",
        Channel.PHONE,
        "dispatcher",
        80,
        dict(
            description="井盖丢了，晚上很危险",
            address="新野一高东门",
            reporter_name="刘女士",
            reporter_phone="6221750",
        ),
    ),
    (
        "xinye",
        "sewer_overflow",
        Channel.WEB,
        None,
        140,
        dict(
            description="下水道堵塞，污水漫到人行道", address="书院路128号", reporter_phone="+8615837500001"
        ),
    ),
    (
        "xinye",
        "road_damage",
        Channel.SMS,
        None,
        20,
        dict(
            description="白河大桥上有个大坑",
            address="白河大桥上有个大坑",
            reporter_phone="+8618603770002",
            free_text_address=True,
        ),
    ),
    (
        "xinye",
        "water_connection",
        Channel.WEB,
        None,
        300,
        dict(
            description="新房申请装水表",
            address="东方明珠小区10号楼",
            reporter_name="赵先生",
            reporter_phone="+8613803770003",
        ),
    ),
    (
        "xinye",
        "drain_cover",
        Channel.OPEN311,
        None,
        60,
        dict(
            description="Broken drain grate near the market, a bicycle wheel went in",
            address="我家门口",
            language="en",
        ),
    ),
    (
        "zycoach",
        "vehicle_body_fault",
        Channel.PHONE,
        "coach.dispatcher",
        50,
        dict(
            description="Front door does not close; air conditioning weak",
            account="LZYB908DXLZ123332",
            reporter_name="南阳捷运 车队 陈",
            reporter_phone="+8615586577177",
            language="zh",
        ),
    ),
]


def load_reports(session: Session, orgs, users) -> None:
    """Take the demo reports (flushes). Unplaceable ones wait in needs_location, as in real life."""
    now = clock.now()
    for org_code, type_code, channel, username, minutes_ago, fields in REPORTS:
        user = users.get(username) if username else None
        take_report(
            session,
            org=orgs[org_code],
            type_code=type_code,
            channel=channel,
            actor=Actor(channel, user_id=user.id if user else None),
            reported_at=now - timedelta(minutes=minutes_ago),
            **fields,
        )
