"""The printable report: Chinese and English text in an embedded TrueType font (real text a PDF
reader can extract), the organisation, reference, type, parts, warranty verdict, the signature
(image, SMS confirmation or the paper scan) and the content hash.

The font is WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``), a TrueType collection fpdf2
embeds as a subset; ``REPORTS_FONT`` points elsewhere. Without it the PDF cannot be made and
``FontMissing`` says what to install.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF, FontFace
from sqlalchemy.orm import object_session

from dispatch import clock
from dispatch.assign.texts import locale_of, type_name
from dispatch.errors import DomainError
from dispatch.extensions import db
from dispatch.reports.models import ServiceReport, SignatureMethod
from dispatch.reports.service import asset_facts
from dispatch.reports.texts import FIELD, RESPONSIBILITY

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


class FontMissing(DomainError):
    status = 500


def font_path() -> Path:
    path = Path(current_app.config.get("REPORTS_FONT") or DEFAULT_FONT)
    if not path.is_file():
        raise FontMissing(
            f"The report font {path} is missing: install the Debian package fonts-wqy-microhei "
            "(apt-get install fonts-wqy-microhei) or set REPORTS_FONT to a TrueType CJK font."
        )
    return path


def warranty_sentence(verdict: dict | None) -> str:
    if not verdict:
        return _("Not a vehicle: no warranty check.")
    state = verdict.get("in_warranty")
    head = {True: _("In warranty"), False: _("Out of warranty"), None: _("Warranty cannot be told")}[state]
    reasons = {
        "no_terms": _("no warranty terms for this type"),
        "no_sale_date": _("sale date unknown"),
        "no_mileage": _("mileage unknown"),
        "time_ok": _("within %(months)s months of the sale (until %(until)s)"),
        "time_over": _("more than %(months)s months since the sale (ended %(until)s)"),
        "km_ok": _("%(mileage)s km, within %(km)s km"),
        "km_over": _("%(mileage)s km, over %(km)s km"),
    }
    values = {
        "months": verdict.get("months"),
        "until": verdict.get("until"),
        "km": verdict.get("km"),
        "mileage": verdict.get("mileage_km"),
    }
    return head + ": " + "; ".join(reasons[r] % values for r in verdict.get("reasons", []))


def render(report: ServiceReport, language: str = "zh") -> bytes:
    """The PDF of ``report`` (with its signature if signed), in ``language`` with English beside
    the Chinese headings."""
    path = font_path()
    order = report.order
    signature = report.signature
    with force_locale(locale_of(language)):
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_font("cjk", fname=str(path))
        pdf.add_page()
        pdf.set_font("cjk", size=16)
        org = order.org
        pdf.multi_cell(0, 9, f"{org.name_zh} {org.name_en}" if org else "", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 9, "服务报告 Service report", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)

        def row(label: str, value) -> None:
            pdf.multi_cell(
                0, 6, f"{label}: {value if value not in (None, '') else '—'}", new_x="LMARGIN", new_y="NEXT"
            )

        when = lambda v: clock.local(v).strftime("%Y-%m-%d %H:%M") if v else None  # noqa: E731
        row(_("Reference"), f"{order.reference} ({_('revision')} {report.revision})")
        row(_("Type"), f"{type_name(order.type_code, 'zh')} / {type_name(order.type_code, 'en')}")
        row(_("Place"), order.address)
        for name, value in asset_facts(object_session(report) or db.session, report):
            row(name, value)
        row(_("Technician"), report.technician.name if report.technician else None)
        row(_("Arrived"), when(report.arrived_at))
        row(_("Left"), when(report.departed_at))
        for name in ("heard", "seen", "checked", "cause"):
            row(str(FIELD[name]), getattr(report, name))
        resp = report.responsibility.value if report.responsibility else None
        row(str(FIELD["responsibility"]), RESPONSIBILITY[resp] if resp else None)
        row(str(FIELD["work_done"]), report.work_done)
        row(str(FIELD["advice"]), report.advice)
        if report.mileage_km is not None:
            row(str(FIELD["mileage_km"]), f"{report.mileage_km} km")
        if report.charges_cny is not None:
            row(_("Charges"), f"¥{report.charges_cny}")
        row(_("Warranty (三包)"), warranty_sentence(report.warranty))

        pdf.ln(2)
        pdf.set_font("cjk", size=11)
        pdf.cell(0, 7, _("Parts replaced"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        if report.parts:
            with pdf.table(
                col_widths=(25, 50, 12, 70, 23),
                text_align="LEFT",
                headings_style=FontFace(emphasis="", fill_color=(230, 230, 230)),
            ) as table:
                table.row([_("Part number"), _("Part name"), _("Qty"), _("Reason"), _("Old part back")])
                for line in report.parts:
                    table.row(
                        [
                            line.part_number,
                            line.name or "",
                            str(line.quantity),
                            line.reason or "",
                            _("yes") if line.old_part_returns else _("no"),
                        ]
                    )
        else:
            pdf.cell(0, 6, _("None"), new_x="LMARGIN", new_y="NEXT")

        pdf.ln(3)
        pdf.set_font("cjk", size=11)
        pdf.cell(0, 7, _("Customer's signature"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        if signature is None:
            text = _("No customer signature required.") if not report.signature_required else _("Not signed.")
            if report.refusal_reason:
                text = _("The customer refused to sign: %(reason)s") % {"reason": report.refusal_reason}
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        else:
            row(_("Signed by"), signature.signer_name)
            row(_("Signed at"), when(signature.signed_at))
            if signature.method is SignatureMethod.SMS:
                pdf.multi_cell(
                    0,
                    6,
                    _("Confirmed by SMS from %(phone)s") % {"phone": signature.client_address},
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
            elif signature.evidence_mime in ("image/png", "image/jpeg") and signature.evidence:
                pdf.image(
                    io.BytesIO(signature.evidence),
                    w=70 if signature.method is SignatureMethod.SCREEN else 120,
                )
            else:
                pdf.multi_cell(
                    0,
                    6,
                    _("Signed on paper; the scan (PDF) is archived with the report."),
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
        pdf.ln(2)
        pdf.set_font("cjk", size=8)
        pdf.multi_cell(0, 5, f"SHA-256: {report.content_hash or '—'}", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
