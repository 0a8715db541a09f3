"""A real HTTP server on 127.0.0.1 standing in for a group robot: it records each request and answers
with the next queued (status, body), by default ``{"errcode": 0, "code": 0}``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Robot:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)


def start() -> tuple[Robot, ThreadingHTTPServer]:
    robot = Robot(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            robot.received.append(Received(self.path, dict(self.headers), body))
            status, text = robot.answers.pop(0) if robot.answers else (200, '{"errcode": 0, "code": 0}')
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    robot.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return robot, server
