"""Facts about the click-to-call service shared by the settings, the HTTP client and the stand-in: light to import.

One default URL and one URL rule (https always; plain http only for a loopback stand-in), so `config set` refuses
exactly what the client would refuse.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

__all__ = ["DEFAULT_API_URL", "PAGE_MAX_CHARS", "REF_MAX_CHARS", "is_loopback_host", "validate_api_url"]

DEFAULT_API_URL: Final = "https://secure.dialogtech.com/ibp_api.php"
PAGE_MAX_CHARS: Final = 255
REF_MAX_CHARS: Final = 32


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1 — the only hosts plain http may be used with."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_api_url(api_url: object) -> str | None:
    """Return why `api_url` must not be used, or None. https always; http only for a loopback stand-in."""
    if not isinstance(api_url, str) or not api_url.strip():
        return "the service URL is missing"
    try:
        parts = urlsplit(api_url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return "the service URL is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return "the service URL must use https"
    if not host:
        return "the service URL has no host name"
    if scheme == "http" and not is_loopback_host(host):
        return "the service URL must use https"
    return None
