"""The action server: rasa_sdk's app, without its two leaks.

rasa_sdk 3.6 answers any exception with a 500 whose body holds the whole request (the
tracker: every message of the conversation), and logs the exception with its traceback;
Rasa then logs that 500 body. Here an exception gets a 500 that says only "action
failed", and the log names the error type. No CORS (only Rasa calls it), no access log.

    python -m service.action_server [--actions actions] [--port 5055]
Listens on SANIC_HOST (scripts/run.sh sets 127.0.0.1).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
from typing import Any

from service import quiet

quiet.library_warnings()  # before rasa_sdk imports sanic_cors and the actions

from rasa_sdk.endpoint import create_app  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.request import Request  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

from bring_it_up.language import load_nlp  # noqa: E402

logger = logging.getLogger("service.action_server")


async def _withheld(request: Request, exception: Exception) -> HTTPResponse:
    status = getattr(exception, "status_code", 500) or 500
    logger.error("action server: %s on %s (details withheld)", type(exception).__name__,
                 request.path)
    return response.json({"error": "action failed"}, status=status)


def build(actions: str = "actions") -> Sanic:
    app: Sanic = create_app(actions, cors_origins=None)
    app.error_handler.add(Exception, _withheld)
    app.register_listener(_load_then_settle, "after_server_start")
    return app


async def _load_then_settle(app: Sanic, loop: Any) -> None:
    """Load spaCy before the first client needs it, then keep the garbage collector off
    everything loaded (service/speedups.py: full collections walk every object)."""
    load_nlp()
    gc.collect()
    gc.freeze()


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    build(args.actions).run(host=host, port=args.port, access_log=False, motd=False,
                            workers=int(os.environ.get("ACTION_SERVER_WORKERS", "1")))


if __name__ == "__main__":
    main()
