"""Renderers of the oracle (a module of its own: DRF imports it while ``views`` is being imported)."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class BrowsableAPIStandIn(JSONRenderer):
    """Answers ``?format=api`` like LL2's browsable renderer, whose body is the same JSON.

    The real ``BrowsableAPIRenderer`` wraps that JSON in HTML (templates, forms);
    the oracle compares data, so it renders the JSON alone.
    """

    format = "api"
    media_type = "text/html"
