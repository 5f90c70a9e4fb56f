"""bpdebug run on a pseudo-terminal, as a person runs it: keys typed, signals sent, what it
wrote read back."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time


def in_a_terminal(args: list[str], env: dict[str, str], keys: bytes, sig: int) -> tuple[int, str]:
    """Run bpdebug on a pseudo-terminal, type `keys`, send `sig`: (exit code, what it wrote)."""
    import pty
    import select

    master, slave = pty.openpty()
    os.set_inheritable(slave, True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = b""

    def read(seconds: float) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    return

    read(4.0)  # started, first frame drawn
    os.write(master, keys)
    read(1.5)
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=20)
    finally:
        read(0.5)
        os.close(master)
    return code, out.decode("utf-8", "replace")


def on_a_terminal(args: list[str], wait: float, sig: int | None = None) -> tuple[int, str]:
    """Run on a pseudo-terminal; after `wait` seconds send `sig`: (exit code, its output)."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", *args], stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    out, end, sent = b"", time.monotonic() + 120, False
    started = time.monotonic()
    while time.monotonic() < end and proc.poll() is None:
        if sig is not None and not sent and time.monotonic() - started > wait:
            proc.send_signal(sig)
            sent = True
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
    code = proc.wait(timeout=30)
    try:
        while select.select([master], [], [], 0.2)[0]:
            out += os.read(master, 65536)
    except OSError:
        pass
    os.close(master)
    return code, out.decode("utf-8", "replace")
