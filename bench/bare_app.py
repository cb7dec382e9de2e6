"""The baseline of the benchmark: a bare Starlette app that answers the two benchmark requests with fixed bodies.

It serves the same paths as the mock (``/vip-connect/...`` and ``/valkyrie/...``) and returns, byte for byte, the
JSON bodies the mock returned for the two benchmark requests (captured by ``bench/run.py`` at start-up and handed
over in a JSON file named by ``$BENCH_BARE_BODIES``). No validation, no credentials, no lookup: what is left is
the cost of uvicorn + Starlette routing + reading the request, i.e. the floor any Starlette-based mock sits on.

Run: ``BENCH_BARE_BODIES=bodies.json python bench/bare_app.py [--port 0]``; like ``mockserver serve`` it prints
``bare: serving on http://127.0.0.1:PORT`` on stderr once it really serves, and is served by uvicorn with the
mock's settings (one worker, no access log, uvicorn's default loop and HTTP parser).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODIES_ENV = "BENCH_BARE_BODIES"


def load_bodies() -> dict[str, bytes]:
    """``{"vip": ..., "valkyrie": ...}``: the response bodies as text in the file, served as UTF-8 bytes."""
    path = os.environ.get(BODIES_ENV)
    if not path:
        raise SystemExit(f"bare: set ${BODIES_ENV} to a JSON file with the 'vip' and 'valkyrie' bodies")
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {"vip": raw["vip"].encode("utf-8"), "valkyrie": raw["valkyrie"].encode("utf-8")}


def create_app(bodies: dict[str, bytes]) -> Starlette:
    vip_body, valkyrie_body = bodies["vip"], bodies["valkyrie"]

    async def account_lookup(request: Request) -> Response:
        await request.body()  # a real endpoint reads its body; so does this one
        return Response(vip_body, media_type="application/json")

    async def balance(request: Request) -> Response:
        headers = {}
        correlation = request.headers.get("x-correlation-id")
        if correlation is not None:
            headers["x-correlation-id"] = correlation  # the mock echoes it; so does the baseline
        return Response(valkyrie_body, media_type="application/json", headers=headers)

    return Starlette(
        routes=[
            Route("/vip-connect/api/patronsession/accountlookup", account_lookup, methods=["POST"]),
            Route("/valkyrie/players/{player_id}/balance", balance, methods=["GET"]),
        ]
    )


class _AnnouncingServer(uvicorn.Server):
    # Not mockserver.cli's: the baseline must not run the mock's own start-up work (its gc.freeze).
    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self._announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self._announcement, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    app = create_app(load_bodies())
    listener = socket.create_server((args.host, args.port))
    host, port = listener.getsockname()[:2]
    # The same uvicorn settings as `mockserver serve --log-level warning`.
    config = uvicorn.Config(app, log_config=None, access_log=False, log_level="warning")
    _AnnouncingServer(config, f"bare: serving on http://{host}:{port}").run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
