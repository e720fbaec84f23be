"""A kernel-enforced ban on network sockets for the calling thread (Linux seccomp).

The store can fetch over the network while it executes text it was given: ``LOAD <url>``,
``SERVICE <url>``, a remote JSON-LD context. Deciding from the text whether it will fetch
means reading it a second time, and a second reading can differ from the one that executes.
So the write path executes on a thread that *cannot* open an Internet socket, whatever the
text says: :func:`forbid_network` installs a seccomp filter on the calling thread (and the
threads it starts later) under which ``socket()`` fails with ``EACCES`` for every address
family but ``AF_UNIX``, and ``io_uring_setup()`` fails too (io_uring could connect without
``socket()``). The filter cannot be removed; other threads of the process are unaffected.

Where the kernel offers no seccomp (not Linux, or an architecture not listed here),
:func:`forbid_network` raises :class:`NetworkGuardUnavailable`; callers decide what may still
run without the guard.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import platform
import socket
import struct
import sys
import threading

# <linux/audit.h> architecture tokens and the syscall numbers the filter acts on
_ARCHES: dict[str, tuple[int, int, int]] = {
    #           AUDIT_ARCH   socket  io_uring_setup
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}
_X32_BIT = 0x40000000  # x86_64's x32 ABI marks its syscall numbers with this bit

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | errno.EACCES

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_RET = 0x06

_guarded = threading.local()


class NetworkGuardUnavailable(RuntimeError):
    """The kernel cannot be asked to forbid network sockets on this machine."""


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, nr_socket: int, nr_io_uring: int) -> list[tuple[int, int, int, int]]:
    """The filter, as (code, jt, jf, k) rows; jumps count rows to skip."""
    return [
        (_LD_W_ABS, 0, 0, 4),                    # 0: A = seccomp_data.arch
        (_JEQ, 1, 0, arch),                      # 1: our arch? -> 3
        (_RET, 0, 0, _RET_EACCES),               # 2: any other ABI: refused
        (_LD_W_ABS, 0, 0, 0),                    # 3: A = seccomp_data.nr
        (_JGE, 6, 0, _X32_BIT),                  # 4: x32 syscall -> 11 (refused)
        (_JEQ, 2, 0, nr_socket),                 # 5: socket() -> 8
        (_JEQ, 4, 0, nr_io_uring),               # 6: io_uring_setup() -> 11 (refused)
        (_RET, 0, 0, _RET_ALLOW),                # 7: anything else
        (_LD_W_ABS, 0, 0, 16),                   # 8: A = args[0] (low half: the family)
        (_JEQ, 0, 1, socket.AF_UNIX),            # 9: AF_UNIX -> 10, else -> 11
        (_RET, 0, 0, _RET_ALLOW),                # 10
        (_RET, 0, 0, _RET_EACCES),               # 11
    ]


def forbid_network() -> None:
    """Forbid network sockets to the calling thread, for good.

    Raises :class:`NetworkGuardUnavailable` where the kernel cannot do it.
    """
    if getattr(_guarded, "on", False):
        return
    machine = platform.machine().lower()
    if not sys.platform.startswith("linux") or machine not in _ARCHES \
            or sys.byteorder != "little":
        raise NetworkGuardUnavailable(
            f"no seccomp network filter for {sys.platform}/{platform.machine()}")
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    rows = _program(*_ARCHES[machine])
    filters = (_Filter * len(rows))(*[_Filter(*row) for row in rows])
    prog = _Program(len(rows), ctypes.cast(filters, ctypes.POINTER(_Filter)))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise NetworkGuardUnavailable(f"prctl(NO_NEW_PRIVS): {_errno_name()}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise NetworkGuardUnavailable(f"prctl(SECCOMP): {_errno_name()}")
    _guarded.on = True


def _errno_name() -> str:
    code = ctypes.get_errno()
    return errno.errorcode.get(code, str(code))


def network_forbidden() -> bool:
    """Whether :func:`forbid_network` guards the calling thread."""
    return bool(getattr(_guarded, "on", False))


__all__ = ["NetworkGuardUnavailable", "forbid_network", "network_forbidden"]

# a compile-time check that the row layout is what the kernel reads (8 bytes a row)
assert struct.calcsize("HBBI") == ctypes.sizeof(_Filter) == 8
