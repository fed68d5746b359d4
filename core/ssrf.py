"""Outbound URLs that users give us (webhooks) must not reach into our own network.

`check_url` parses a URL, refuses what is not plain http(s) without credentials,
resolves the host and refuses it unless every address it resolves to is a public
unicast address: loopback, private, link-local, multicast, reserved, unspecified,
shared (CGNAT), documentation and IPv4-mapped/compatible/translated IPv6 addresses are
all refused, and so is a host that does not resolve. It returns the addresses it
checked, so that the caller connects to exactly those (a DNS answer that changes
between the check and the connection — DNS rebinding — cannot slip a private address
in). `COREKIT_WEBHOOK_ALLOWED_HOSTS` lists hosts, addresses or networks allowed despite
the guard (a local receiver in tests, an internal ERP an operator vouches for).

The resolver is injectable: tests pass one, so they never depend on external DNS.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeURL(ValueError):
    """The URL may not be used as an outbound target; `str()` says why, for the user."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as given, without brackets, lower-case (IDNA-encoded for names)
    port: int
    path: str  # path and query, at least "/"
    addresses: tuple[str, ...]  # checked addresses, to connect to in this order


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]  # drop an IPv6 zone id
        if address not in seen:
            seen.append(address)
    return seen


def unsafe_reason(ip: IPAddress) -> str | None:
    """Why this address may not be connected to, or None for a public unicast address."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if int(ip) >> 32 == 0 and int(ip) > 1:
            return "an IPv4-compatible IPv6 address"
        if ip in _NAT64 or ip in _NAT64_LOCAL:
            return "an IPv4-translated (NAT64) IPv6 address"
        if ip.sixtofour is not None and unsafe_reason(ip.sixtofour):
            return "a 6to4 address of a non-public IPv4 address"
        if ip.teredo is not None:
            return "a Teredo address"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(ip, attribute):
            return reason
    if getattr(ip, "is_site_local", False):
        return "a site-local address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _allowed(host: str, ip: IPAddress | None, allowed_hosts: Iterable[str]) -> bool:
    for entry in allowed_hosts:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            continue
        if entry == host:
            return True
        if ip is None:
            continue
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def check_url(url: str, *, resolver: Resolver | None = None,
              allowed_hosts: Iterable[str] | None = None) -> Target:
    """Parse, resolve and check an outbound URL; raise UnsafeURL with the reason."""
    if allowed_hosts is None:
        from django.conf import settings

        allowed_hosts = settings.COREKIT_WEBHOOK_ALLOWED_HOSTS
    allowed_hosts = list(allowed_hosts)
    if not isinstance(url, str) or not url or len(url) > 2000:
        raise UnsafeURL("not a URL")
    if any(ch.isspace() or ord(ch) < 32 for ch in url) or "\\" in url:
        raise UnsafeURL("the URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeURL("credentials in the URL are not allowed")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURL("the URL has no host")
    if port == 0:  # "https://host:0/" is stored as given but was delivered to 443
        raise UnsafeURL("port 0 is not a port a webhook can be delivered to")
    port = port or _default_port(scheme)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query

    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        if not all(ch.isalnum() or ch in "-._" for ch in host):
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise UnsafeURL("the host name is not valid") from exc
        host = host.rstrip(".")
        if not host:
            raise UnsafeURL("the URL has no host")
        try:
            # Numeric forms that resolvers accept as IPv4 ("2130706433", "0x7f.1", "127.1").
            packed = socket.inet_aton(host) if all(c in "0123456789abcdefx." for c in host) else None
        except OSError:
            packed = None
        if packed is not None:
            literal = ipaddress.IPv4Address(packed)

    if literal is not None:
        candidates = [str(literal)]
    else:
        try:
            candidates = list((resolver or system_resolver)(host, port))
        except (OSError, UnicodeError, ValueError) as exc:
            raise UnsafeURL(f"the host {host!r} does not resolve") from exc
        if not candidates:
            raise UnsafeURL(f"the host {host!r} does not resolve")

    host_allowed = _allowed(host, None, allowed_hosts)
    addresses: list[str] = []
    for candidate in candidates:
        try:
            ip = ipaddress.ip_address(str(candidate).split("%", 1)[0])
        except ValueError as exc:
            raise UnsafeURL(f"the host {host!r} resolves to an invalid address") from exc
        reason = unsafe_reason(ip)
        if reason and not (host_allowed or _allowed(host, ip, allowed_hosts)):
            shown = host if literal is not None else f"{host!r} ({ip})"
            raise UnsafeURL(f"the host {shown} is {reason}; webhooks must reach a public address")
        addresses.append(str(ip))
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


# --- connecting to the checked address ------------------------------------------------

class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a given address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address; SNI and certificate checks use the URL's host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float,
                 context: ssl.SSLContext | None = None) -> None:
        super().__init__(host, port, timeout=timeout,
                         context=context or ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float,
         ssl_context: ssl.SSLContext | None = None) -> tuple[int, str]:
    """POST to the checked target (never a redirect's); returns (status, reason).

    Tries the checked addresses in order until one accepts the connection; raises
    OSError when none does. Proxies from the environment are not used either.
    """
    last_error: OSError | None = None
    for address in target.addresses:
        if target.scheme == "https":
            conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
                target.host, target.port, address=address, timeout=timeout, context=ssl_context)
        else:
            conn = _PinnedHTTPConnection(target.host, target.port, address=address, timeout=timeout)
        try:
            conn.request("POST", target.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(64 * 1024)  # drain a little; the body is not used
            return response.status, response.reason
        except (ConnectionRefusedError, TimeoutError) as exc:
            last_error = exc
            continue
        finally:
            conn.close()
    raise last_error or OSError("no address to connect to")
