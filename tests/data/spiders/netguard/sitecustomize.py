"""Loaded into crawl subprocesses by the spider tests (PYTHONPATH): any attempt to resolve or reach a host
other than the loopback test server is refused and reported on stderr, so a test fails if a crawl (or a
library under it, like tldextract fetching the public suffix list) tries the network."""

import sys

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.connect"}


def _guard(event, args):
    if event not in _EVENTS:
        return
    target = args[1] if event == "socket.connect" else args[0]
    host = target[0] if isinstance(target, tuple) else target
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if isinstance(host, str) and host not in _LOOPBACK and not host.startswith("/"):
        sys.stderr.write(f"NETWORK ACCESS BLOCKED: {event} {host}\n")
        raise PermissionError(f"network access to {host} blocked by the spider tests")


sys.addaudithook(_guard)
