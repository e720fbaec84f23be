"""Run the endpoint in its own process (so that a test can measure the server's CPU apart
from the client's). ``python -m tests.app_process '<json>'`` with settings overrides and
optional ``trusted_services``; prints the port once listening."""

from __future__ import annotations

import json
import socket
import sys

import uvicorn

from ogpkg.config import load_settings
from ogpkg.web import create_app
from ogpkg.web.transport import server_config


def main() -> None:
    args = json.loads(sys.argv[1])
    trusted = frozenset(args.pop("trusted_services", []))
    settings = load_settings(args, environ={})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = server_config(create_app(settings, trusted_services=trusted), settings,
                           log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
