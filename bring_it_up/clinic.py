"""Clinic configuration: load, validate, and render the clinic-specific domain file.

Run `python -m bring_it_up.clinic` to check clinic.yml and write domain/clinic_generated.yml.
The crisis resources end up in static domain responses, so they reach the client even
when the action server is down.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from bring_it_up.text import load_content

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "domain" / "clinic_generated.yml"
TEXT_FIELDS = ("clinic_name", "therapist_term", "region", "crisis_short")
RESOURCE_LISTS = ("crisis_resources", "ethics_routes")
DEFAULT_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000"]
# An exact origin: scheme, host, optional port. No wildcards, paths or regex (sanic-cors
# treats a pattern as an unanchored regex).
_ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")
_HTTPS_URL = re.compile(r"https://[^\s\"'<>]+")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class ClinicConfigError(ValueError):
    """A clinic.yml mistake, with a message a clinic's IT person can act on."""


def clinic_path() -> Path:
    return Path(os.environ.get("BIU_CLINIC_CONFIG", ROOT / "clinic.yml"))


def _check_resources(name: str, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise ClinicConfigError(f"'{name}' must be a list with at least one entry")
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise ClinicConfigError(f"'{name}' entry {i} must have name, contact and url")
        entry = {k: str(item.get(k) or "").strip() for k in ("name", "contact", "url")}
        if not entry["name"] or not entry["contact"]:
            raise ClinicConfigError(f"'{name}' entry {i} needs both a name and a contact")
        if entry["url"] and not entry["url"].startswith("https://"):
            raise ClinicConfigError(f"'{name}' entry {i}: url must start with https://")
        out.append(entry)
    return out


def load_clinic(path: Path | None = None) -> dict[str, Any]:
    path = path or clinic_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClinicConfigError(f"clinic config not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ClinicConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ClinicConfigError(f"{path} must be a mapping of settings")
    config: dict[str, Any] = {}
    for field in TEXT_FIELDS:
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ClinicConfigError(f"'{field}' is missing or empty in {path}")
        config[field] = value.strip()
    for field in RESOURCE_LISTS:
        config[field] = _check_resources(field, raw.get(field))
    config["retention_days"] = _check_retention(raw.get("retention_days", 7))
    config["allowed_origins"] = _check_origins(raw.get("allowed_origins", DEFAULT_ORIGINS))
    config["quick_exit_url"] = raw.get("quick_exit_url", "https://www.weather.gov")
    if not isinstance(config["quick_exit_url"], str) or not _HTTPS_URL.fullmatch(config["quick_exit_url"]):
        raise ClinicConfigError("'quick_exit_url' must be an https:// address of a neutral site")
    config["privacy_url"] = raw.get("privacy_url") or ""
    if not isinstance(config["privacy_url"], str) or (
            config["privacy_url"] and not _HTTPS_URL.fullmatch(config["privacy_url"])):
        raise ClinicConfigError("'privacy_url' must be an https:// address, or \"\" for none")
    config["logo_file"] = _check_logo(raw.get("logo_file") or "")
    config["primary_color"] = str(raw.get("primary_color", "#1d4f91"))
    if not _COLOUR.fullmatch(config["primary_color"]) or contrast_with_white(config["primary_color"]) < 4.5:
        raise ClinicConfigError("'primary_color' must be a colour like \"#1d4f91\" dark enough for "
                                "white text (contrast 4.5:1 or more)")
    return config


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp"}


def _check_logo(value: Any) -> str:
    if not value:
        return ""
    path = ROOT / str(value)
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file() or path.stat().st_size > 200_000:
        raise ClinicConfigError(f"'logo_file': {value!r} must be an .svg, .png, .jpg or .webp file "
                                "in the project folder, under 200 KB (or \"\" for none)")
    return str(value)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on this #rrggbb colour."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def widget_config(config: dict[str, Any]) -> dict[str, Any]:
    """What widget/widget.js reads from widget-config.json: its words, filled in."""
    values = {"clinic_name": config["clinic_name"], "therapist_term": config["therapist_term"],
              "crisis_short": config["crisis_short"], "retention": retention_words(config["retention_days"])}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return " ".join(value.format(**values).split())
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    words = load_content("widget.yml")
    return {**{k: fill(v) for k, v in words.items() if k != "retention"},  # already in {retention}
            "crisis_resources": config["crisis_resources"], "ethics_routes": config["ethics_routes"],
            "quick_exit_url": config["quick_exit_url"], "privacy_url": config["privacy_url"],
            "logo": bool(config["logo_file"]),
            "colors": {"primary": config["primary_color"]}}


def _check_retention(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ClinicConfigError("'retention_days' must be a number of days, 0 or more "
                                "(0 keeps nothing after a conversation ends)")
    return float(value)


def _check_origins(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ClinicConfigError("'allowed_origins' must list the web addresses allowed to "
                                "embed the chat, like https://www.clinic.example")
    for origin in value:
        if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin):
            raise ClinicConfigError(
                f"'allowed_origins': {origin!r} is not an exact origin; write scheme and "
                "host (and port if any) in lower case, like https://www.clinic.example, "
                "with no '*', path or trailing slash")
    return list(value)


def _resource_lines(resources: list[dict[str, str]]) -> str:
    lines = []
    for r in resources:
        url = f" ({r['url']})" if r["url"] else ""
        lines.append(f"- {r['name']}: {r['contact']}{url}")
    return "\n".join(lines)


def _safety_response(level: str, resources: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{
        "text": _resource_lines(resources),
        "custom": {"type": "safety", "level": level, "resources": resources},
    }]


def retention_words(days: float) -> str:
    """How the consent message says when conversations are deleted (content/widget.yml)."""
    words = load_content("widget.yml")["retention"]
    return words["none"] if days == 0 else words["one" if days == 1 else "many"].format(days=f"{days:g}")


def render_domain(config: dict[str, Any]) -> dict[str, Any]:
    def text_slot(value: str) -> dict[str, Any]:
        return {"type": "text", "initial_value": value, "influence_conversation": False,
                "mappings": [{"type": "custom"}]}

    slots = {k: text_slot(config[k]) for k in ("clinic_name", "therapist_term", "crisis_short")}
    slots["retention"] = text_slot(retention_words(config["retention_days"]))
    return {
        "version": "3.1",
        "slots": slots,
        "responses": {
            "utter_resources_crisis": _safety_response("crisis", config["crisis_resources"]),
            "utter_resources_check_in": _safety_response("check_in", config["crisis_resources"]),
            "utter_resources_ethics": _safety_response("ethics", config["ethics_routes"]),
        },
    }


def write_generated_domain() -> Path:
    config = load_clinic()
    header = "# Generated from clinic.yml by `python -m bring_it_up.clinic`. Do not edit.\n"
    body = yaml.safe_dump(render_domain(config), sort_keys=False, allow_unicode=True)
    if not GENERATED.exists() or GENERATED.read_text(encoding="utf-8") != header + body:
        GENERATED.write_text(header + body, encoding="utf-8")
    return GENERATED


if __name__ == "__main__":
    try:
        if sys.argv[1:] == ["--origins"]:  # for `--cors` in scripts/run.sh
            print(" ".join(load_clinic()["allowed_origins"]))
            sys.exit(0)
        print(f"clinic: {clinic_path()} is valid; wrote {write_generated_domain().relative_to(ROOT)}")
    except ClinicConfigError as err:
        sys.exit(f"clinic.yml problem: {err}")
