"""The demo page and the widget's files, on http://localhost:8000/ (started by `make run`).

Serves widget/widget.js, widget/widget.css, widget-config.json (the clinic's words and
settings, from clinic.yml and content/widget.yml) and a demo clinic page that embeds the
widget with one script tag, exactly as a clinic would. Every response carries a strict
Content-Security-Policy: scripts and styles only from here, network only to the bot.

    python -m service.demo_server [--port 8000] [--server http://localhost:5005]
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bring_it_up.clinic import LOGO_TYPES, ROOT, load_clinic, widget_config

WIDGET = Path(__file__).resolve().parent.parent / "widget"
FILES = {"/widget.js": ("widget.js", "text/javascript"), "/widget.css": ("widget.css", "text/css"),
         "/demo.css": ("demo.css", "text/css")}


def content_security_policy(server: str) -> str:
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {server}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def make_handler(base: str, server: str) -> type[BaseHTTPRequestHandler]:
    clinic = load_clinic()
    config = json.dumps(widget_config(clinic)).encode()
    page = (WIDGET / "demo.html").read_text(encoding="utf-8").replace("__BASE__", base) \
        .replace("__SERVER__", server).replace("__CLINIC__", clinic["clinic_name"].title()).encode()
    origins = set(clinic["allowed_origins"])
    logo = ROOT / clinic["logo_file"] if clinic["logo_file"] else None

    class Handler(BaseHTTPRequestHandler):
        server_version = "BringItUp"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", page)
            elif path == "/widget-config.json":
                self._send(200, "application/json", config)
            elif path == "/logo" and logo is not None:
                self._send(200, LOGO_TYPES[logo.suffix.lower()], logo.read_bytes())
            elif path == "/favicon.ico":
                self._send(204, "image/x-icon", b"")
            elif path in FILES:
                name, kind = FILES[path]
                self._send(200, f"{kind}; charset=utf-8", (WIDGET / name).read_bytes())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", content_security_policy(server))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            origin = self.headers.get("Origin") or ""
            if origin in origins:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Vary", "Origin")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # no access log: paths are not secret, but nothing here needs one

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Bring It Up demo page and widget files")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8000")))
    parser.add_argument("--server", default=os.environ.get("BOT_URL", "http://localhost:5005"))
    args = parser.parse_args()
    host = os.environ.get("DEMO_HOST", "127.0.0.1")
    base = f"http://localhost:{args.port}"
    ThreadingHTTPServer((host, args.port), make_handler(base, args.server)).serve_forever()


if __name__ == "__main__":
    main()
