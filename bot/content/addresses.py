"""Which addresses outside URLs may be fetched from: public ones only.

Pure: an IP address in, a reason out. Refused: private, loopback, link-local, multicast,
reserved, unspecified and shared (CGNAT, 100.64/10) addresses, cloud metadata endpoints,
and any of those wrapped in IPv6 (IPv4-mapped, 6to4, Teredo, NAT64).
"""

from __future__ import annotations

import ipaddress

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def refusal(address: str) -> str | None:
    """Why `address` (an IP literal) must not be fetched from, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo or (None, None))[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(str(embedded))
            return f"{inner} (inside an IPv6 address)" if inner else None
    return _category(ip)


def _category(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    checks = (
        (ip in _METADATA, "a cloud metadata address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "a shared (CGNAT) address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), None)
