"""``byokey openapi``: the management API's OpenAPI document (spec §5.8).

The document is built from the proxy's own route table, so it is the one served at
``GET /openapi.json``; nothing is bound and no database is opened.
"""

from __future__ import annotations

import json

import click


def openapi_document() -> dict[str, object]:
    from byokey_proxy import __version__ as proxy_version
    from byokey_proxy import build_openapi, main_route_table

    return build_openapi(main_route_table(), version=proxy_version)


@click.command()
def openapi() -> None:
    """Print the management API's OpenAPI 3.1 document as one line of JSON.

    Pretty-print it with: byokey openapi | python3 -m json.tool
    """
    click.echo(json.dumps(openapi_document(), separators=(",", ":"), ensure_ascii=False))
