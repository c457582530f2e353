"""The baseline: a bare Starlette route returning precomputed bytes, under uvicorn.

Run by ``run.py`` as a subprocess, with the same uvicorn settings as ``mock-oms serve``
(uvloop, httptools, one worker, access log off, no server or date header, lifespan off), so
the gap between the two is what mock-oms itself costs. It imports nothing from mock_oms,
so that its start-up time is the web stack's alone.

    python benchmarks/baseline.py --port 0 --body-file BODY.json

Like ``mock-oms serve`` it binds its socket first and prints ``listening on URL`` as its
first line.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
from importlib.util import find_spec
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DEFAULT_BODY = b'{"success":true}'


def build(body: bytes) -> Starlette:
    async def progress(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(
        routes=[
            Route("/api/omsp/v2/migrations/{project_id}/progress", progress),
            Route("/api/omsp/v2/sync/{project_id}/progress", progress),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--body-file", type=Path, help="the bytes every request gets")
    args = parser.parse_args(argv)
    body = args.body_file.read_bytes() if args.body_file else DEFAULT_BODY

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    host, port = sock.getsockname()[:2]
    print(f"baseline listening on http://{host}:{port} ({len(body)} bytes)", flush=True)
    config = uvicorn.Config(
        build(body),
        loop="uvloop" if find_spec("uvloop") else "asyncio",
        http="httptools" if find_spec("httptools") else "h11",
        lifespan="off",
        access_log=False,
        log_level="info",
        server_header=False,
        date_header=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
