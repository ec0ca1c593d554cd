"""What the network sees: only the REST webhook, only for the clinic's origins, only
well-formed requests, at a human pace. Nothing answers with a 5xx."""

from __future__ import annotations

import json

import pytest

from tests.servers.helpers import ALLOWED_ORIGIN, MARKER, new_sender

MALFORMED = [
    b"",
    b"not json at all",
    b"{\"sender\": ",
    b"[]",
    b"\"just a string\"",
    json.dumps({"message": "hi"}).encode(),
    json.dumps({"sender": "me", "message": "hi"}).encode(),
    json.dumps({"sender": 12345678901234567890, "message": "hi"}).encode(),
    json.dumps({"sender": "a" * 500, "message": "hi"}).encode(),
    json.dumps({"sender": "../../etc/passwd-0123456789", "message": "hi"}).encode(),
    json.dumps({"sender": new_sender()}).encode(),
    json.dumps({"sender": new_sender(), "message": None}).encode(),
    json.dumps({"sender": new_sender(), "message": ["hi"]}).encode(),
    json.dumps({"sender": new_sender(), "message": {"text": "hi"}}).encode(),
    b"\xff\xfe\x00binary\x00",
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser's recursion limit
    b'{"sender": "' + b"\xc3\x28" * 20 + b'", "message": "hi"}',  # invalid UTF-8
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_requests_get_a_400_that_explains(stack, body):
    status, data = stack.post(None, raw=body)
    assert status == 400
    assert isinstance(data, dict) and data["error"]


def test_the_sender_id_is_never_reflected(stack):
    bad = f"{MARKER}/../x"
    status, data = stack.post({"sender": bad, "message": "hi"})
    assert status == 400 and MARKER not in json.dumps(data)


def test_other_methods_and_paths_are_not_served(stack):
    assert stack.request("GET", "/webhooks/rest/webhook")[0] == 405
    for path in ("/conversations/x/tracker", "/model/parse", "/status", "/conversations/x/messages"):
        assert stack.request("GET", path)[0] in (404, 405), path


def test_the_http_api_is_off(stack):
    """`--enable-api` is never on by default: no tracker can be read or written over HTTP."""
    sender = new_sender()
    stack.say(sender, "hi")
    status, _, _ = stack.request("GET", f"/conversations/{sender}/tracker")
    assert status == 404
    body = json.dumps({"name": "consent_accept"}).encode()
    status, _, _ = stack.request("POST", f"/conversations/{sender}/trigger_intent", body)
    assert status == 404


def test_cors_allows_exactly_the_clinic_origins(stack):
    preflight = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    _, _, headers = stack.request("OPTIONS", "/webhooks/rest/webhook", headers=preflight)
    assert headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    for origin in ("https://evil.example", "http://localhost:8000.evil.example",
                   "http://localhost:80001", "null"):
        _, _, headers = stack.request("OPTIONS", "/webhooks/rest/webhook",
                                      headers={**preflight, "Origin": origin})
        assert "access-control-allow-origin" not in headers, origin
        body = json.dumps({"sender": new_sender(), "message": "hi"}).encode()
        _, _, headers = stack.request("POST", "/webhooks/rest/webhook", body,
                                      {"Origin": origin, "Content-Type": "application/json"})
        assert "access-control-allow-origin" not in headers, origin


def test_one_sender_cannot_flood(stack):
    """30 messages a minute per conversation: far more than anyone types."""
    sender = new_sender()
    statuses = [stack.post({"sender": sender, "message": "hi"})[0] for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    # another conversation from the same place is not affected
    assert stack.post({"sender": new_sender(), "message": "hi"})[0] == 200


def test_one_address_cannot_flood(stack):
    """300 requests a minute per IP address (here from 127.0.0.2, so the other tests'
    address is not blocked). Cheap requests, many conversations."""
    statuses = [stack.post({"sender": new_sender(), "message": ""}, source="127.0.0.2")[0]
                for _ in range(301)]
    assert statuses[:300] == [200] * 300
    assert statuses[300] == 429


def test_action_server_errors_carry_no_conversation(stack):
    """rasa_sdk's own error handler returns the whole request (the tracker) in its 500 and
    logs the traceback; ours says only that the action failed."""
    broken = {"next_action": "action_show_draft", "version": "3.6.2", "domain": MARKER,
              "tracker": [f"my secret {MARKER}"]}  # not a tracker: fails before any action runs
    status, data, _ = stack.request("POST", "/webhook", json.dumps(broken).encode(),
                                    {"Content-Type": "application/json"}, port=stack.action_port)
    assert status == 500
    assert data == {"error": "action failed"}


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on this port (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_both_servers_listen_on_loopback_only(stack):
    for port in (stack.action_port, stack.rasa_port):
        assert listening_addresses(port) == {"0100007F"}, port  # 127.0.0.1, nothing else
