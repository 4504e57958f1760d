"""The request paths whose routing was recorded before the route parsers became one (tests/test_routes.py).

Generated, not random: every combination of a version segment, an endpoint part and a tail, plus
paths written by hand (percent-encoded, odd characters, missing slashes, doubled slashes).
"""

from __future__ import annotations

VERSIONS = ["2.3.0", "2.2.0", "2.0.0", "1.0.0", "2.3", "2.3.0.1", "v2.3.0", "2.3.0x", ""]
ENDPOINTS = [
    "spacecraft",
    "spacecraft_configurations",
    "config/spacecraft_statuses",
    "spacecraft_statuses",
    "config",
    "launches",
    "agencies",
    "spacecraft/flights",
    "SPACECRAFT",
    "spacecraft.json",
    "",
]
TAILS = [
    "",
    "/",
    "463",
    "463/",
    "0/",
    "-1/",
    "abc/",
    "4.6/",
    "%34%36%33/",
    "463/extra/",
    "١٢/",
    "a b/",
    "6/",
    "1/",
    "9999999999999999999999/",
    ".json/",
]
HAND = [
    "/",
    "",
    "//",
    "///2.3.0/spacecraft/",
    "/2.3.0//spacecraft/",
    "/2.3.0/spacecraft//",
    "/2.3.0/spacecraft/463//",
    "/2.3.0",
    "2.3.0/spacecraft/",
    "/2.3.0/spacecraft",
    "/2.3.0/spacecraft/463",
    "/2.3.0/%73pacecraft/",
    "/2.3.0/spacecraft%2F463/",
    "/2.3.0/spacecraft/4%2E6/",
    "/2.3.0/config%2Fspacecraft_statuses/",
    "/2.3.0/spacecraft/\u00e9/",
    "/2.3.0/spacecraft/\ud800/",
    "/2.3.0/spacecraft/\x00/",
    "/2.3.0/spacecraft/\n",
    "/2.3.0/spacecraft/463/\n",
    "/2.3.0/ spacecraft/",
    "/2.3.0/spacecraft /",
    "/2.3.0/spacecraft/ 463/",
    "/2.3.0/./spacecraft/",
    "/2.3.0/../spacecraft/",
    "/2.3.0/spacecraft/../",
    "/2.3.0/config/spacecraft_statuses/1/",
    "/2.3.0/config/spacecraft_statuses/x/y/",
    "/2.3.0/config/",
    "/2.3.0/config/1/",
    "/2.2.0/",
    "/2.2.0",
    "/2.3.0/?format=json",
    "/2.3.0/swagger/",
    "/2.3.0/launches/upcoming/",
    "/2.3.0/astronauts/1/",
]


def paths() -> list[str]:
    """The paths, in a fixed order, without repeats."""
    out: list[str] = []
    for version in VERSIONS:
        for endpoint in ENDPOINTS:
            for tail in TAILS:
                parts = [p for p in (version, endpoint) if p]
                path = "/" + "/".join(parts) + ("/" if parts else "") + tail
                out.append(path)
    out += HAND
    return list(dict.fromkeys(out))
