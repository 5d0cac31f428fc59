"""The OpenAPI document, public so a client can be generated before it has a token."""

from __future__ import annotations

from flask import jsonify

from scheduler.web.access import public
from scheduler.web.api import bp
from scheduler.web.api.openapi import document
from scheduler.web.helpers import catalog


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document(product_ids=list(catalog().products)))
