"""Where webhooks may be sent: public addresses only.

A webhook URL is typed into the admin and fetched by a worker inside the
newsroom's network; without this check it could point at the database, the
cloud metadata service or an intranet page (server-side request forgery).
``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (on in development and tests, off in
production) lets partners on the same network through.

The URL is checked when it is saved (``webhook_url_problem``, for the
admin's form) and again when a delivery connects: ``opener`` resolves the
host once, refuses it if any address is not public, and connects to the
address it checked, so a DNS answer that changes in between (rebinding)
cannot send the request inside. TLS still verifies the certificate against
the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeAddress(OSError):
    """The host resolves to an address webhooks may not be sent to."""


# IPv6 ranges that carry an IPv4 address inside (NAT64, 6to4, Teredo, the
# old IPv4-compatible form): a gateway would deliver to that IPv4 address,
# which may be private, although Python counts most of them as global.
EMBEDS_IPV4 = [
    ipaddress.ip_network(n)
    for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32", "::/96", "::ffff:0:0/96")
]


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global address, and not an IPv6 form with an IPv4 address inside."""
    if address.version == 6 and any(address in net for net in EMBEDS_IPV4):
        return False
    return address.is_global


def _resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo for a TCP connection; raises UnsafeAddress when any
    address is not public (unless private addresses are allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if not is_public(address):
                raise UnsafeAddress(
                    f"{host} resolves to {address}, which is not a public address; "
                    "webhooks are only sent to public addresses (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)."
                )
    return infos


def webhook_url_problem(url: str) -> str | None:
    """Why a webhook may not be sent to ``url``, or None."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "This is not a valid URL."
    if parts.scheme not in ("http", "https") or not host:
        return "Use an http:// or https:// URL."
    try:
        _resolve(host, port)
    except UnsafeAddress as exc:
        return str(exc)
    except (socket.gaierror, UnicodeError):
        return f"The host {host} could not be resolved."
    return None


def _create_checked_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection, but only to addresses ``_resolve`` allowed."""
    host, port = address
    error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in _resolve(host, port):
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"could not connect to {host}")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _create_checked_connection


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _create_checked_connection


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


def opener(*handlers) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections go to checked addresses only, and
    straight there: HTTP(S)_PROXY in the environment is ignored (through a
    proxy, the check would see the proxy's address, not the endpoint's)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _CheckedHTTPHandler, _CheckedHTTPSHandler, *handlers
    )
