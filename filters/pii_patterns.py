"""What `pii_redact` looks for: one compiled pattern per placeholder type, plus validators for the ambiguous.

The secret formats are the providers' documented token shapes (AWS key ids start with AKIA/ASIA, GitHub
tokens with ghp_/gho_/…, Slack with xox?-, Google API keys with AIza); where a pattern has a capture group
named `v`, only that group is replaced (the password inside a URL, not the whole URL).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

PATTERNS: dict[str, re.Pattern[str]] = {
    "PRIVATE_KEY": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                              r"-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS_ACCESS_KEY": re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Z0-9])"),
    "AWS_SECRET_KEY": re.compile(r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?(?P<v>[A-Za-z0-9/+=]{40})"
                                 r"(?![A-Za-z0-9/+=])"),
    "GITHUB_TOKEN": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    "SLACK_TOKEN": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "API_KEY": re.compile(r"\b(?:AIza[0-9A-Za-z_\-]{35}|sk_live_[0-9A-Za-z]{24,}|sk-(?:proj-)?[A-Za-z0-9_\-]{32,}"
                          r"|hf_[A-Za-z]{34})(?![0-9A-Za-z_\-])"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "PASSWORD": re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<v>[^\s@/]+)@"  # scheme://user:secret@host
                           r"|(?i:\b(?:password|passwd|pwd)\s*[=:]\s*)(?:[\"'](?P<q>[^\"'\s]{3,})[\"']"
                           r"|(?P<k>[^\s;\"',)]{3,})(?=;))"),  # password="x"  or  Password=x; (ODBC)
    "EMAIL": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    "IP_ADDRESS": re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
                             r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
    "PHONE": re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,4}){2,3}"
                        r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4}|1[3-9]\d{9})(?![\w])"),
}

_VERSION_BEFORE = re.compile(r"(?i)\b(?:version|ver\.?|v)\s*$")


def _address(text: str, start: int, value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address at `start`, unless it is a version number ("v1.2.3.4") or a short IPv6-looking slice."""
    if ":" in value and sum(bool(group) for group in value.split(":")) < 3:
        return None  # "a[1::2]" is a Python slice, not an address
    if _VERSION_BEFORE.search(text[max(0, start - 10):start]):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def public_ip(text: str, start: int, value: str) -> bool:
    """A routable address: private, loopback and reserved ranges identify no one outside their network."""
    address = _address(text, start, value)
    return address is not None and address.is_global


def any_ip(text: str, start: int, value: str) -> bool:
    """Any valid address (for redacting private addresses too)."""
    return _address(text, start, value) is not None


#: Extra checks for matches a pattern alone cannot settle.
Validator = Callable[[str, int, str], bool]
