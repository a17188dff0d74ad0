"""Socket helpers shared by the client (api.py) and the stand-in (simulator.py); no third-party imports."""

from __future__ import annotations

import socket


def shutdown_quietly(sock: socket.socket) -> None:
    """Shut both directions of `sock` down from any thread, which unblocks a reader; ignore an already closed one."""
    try:
        # The base method, not SSLSocket.shutdown (which drops its TLS state under a reader in another thread).
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass
