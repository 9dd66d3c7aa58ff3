"""The WSGI app ``dispatch bench sms`` runs under gunicorn: the real application plus one bare
endpoint, ``POST /bench/bare``, that answers a constant TwiML without touching the database —
the yardstick the signed inbound webhook is compared with on the same server. Never deployed.
"""

from flask import Response

from dispatch import create_app
from dispatch.extensions import csrf

app = create_app()

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@app.post("/bench/bare")
def bare() -> Response:
    return Response(_EMPTY_TWIML, mimetype="text/xml")


csrf.exempt(bare)
