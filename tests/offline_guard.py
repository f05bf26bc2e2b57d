"""Make every non-loopback network connection fail (imported first by the offline test's child process)."""

from __future__ import annotations

import ipaddress
import socket

ATTEMPTS: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # unix sockets


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        ATTEMPTS.append(repr(address))
        raise ConnectionRefusedError(f"offline test: connection to {address!r} blocked")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        ATTEMPTS.append(repr(address))
        return 111
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    if host not in (None, "localhost") and not str(host).startswith("127.") and host != "::1":
        ATTEMPTS.append(f"dns:{host}")
        raise socket.gaierror(f"offline test: name lookup of {host!r} blocked")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo
