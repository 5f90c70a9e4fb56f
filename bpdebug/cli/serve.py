"""`bpdebug serve`: the debugger in web browsers, through textual-serve (the `[serve]` extra).

textual-serve starts one process per browser tab (the command below, with bpdebug's served
driver, tui/served_driver.py) and relays its screen and keys over a websocket; a tab's session
is a whole bpdebug of its own, and ends with its tab, when idle, or with the server
(webserver.py). The process is told the folder the server was started in (`--served-from`): its `o`
opens only the samples and the files under it, and what it saves or exports it delivers to the
browser as downloads (tui/outbox.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bpdebug.cli.args import LIMIT_FLAGS, UsageError, limits_of
from bpdebug.cli.commands import load, say
from bpdebug.files.atomic import here
from bpdebug.files.samples import resolve
from bpdebug.notation.parse import shown

MISSING = "bpdebug serve needs textual-serve: pip install 'bpdebug[serve]' (or '.[serve]' here)"


HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    import ipaddress  # here, not at the top: `bpdebug` itself starts without it

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_host(text: str) -> bool:
    """An IP address (IPv6 with or without its brackets) or a DNS name: labels of letters,
    digits and hyphens, 63 at most each, 253 in all."""
    import ipaddress

    try:
        ipaddress.ip_address(text[1:-1] if text.startswith("[") and text.endswith("]") else text)
        return True
    except ValueError:
        pass
    name = text.removesuffix(".")
    return 0 < len(name) <= 253 and all(HOST_LABEL.fullmatch(label) for label in name.split("."))


def checked_host(host: str) -> str:
    """The --host, without IPv6 brackets; UsageError unless it is an address or a name."""
    if not is_host(host):
        raise UsageError(
            f"bpdebug serve: --host must be an IP address or a host name, got {shown(host)}"
        )
    return host.strip("[]")


def where_to_browse(host: str) -> str:
    """The host part of the address to print: this machine's name for a wildcard address."""
    if host in ("0.0.0.0", "::", ""):
        import socket

        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


def checked_public_url(url: str | None) -> str | None:
    """The --public-url without a trailing slash; UsageError unless http(s)://host[:port]."""
    from urllib.parse import urlsplit

    if url is None:
        return None
    bad = UsageError(
        f"bpdebug serve: --public-url must look like https://host or https://host:port, "
        f"got {shown(url)}"
    )
    if not url.isprintable() or any(c.isspace() for c in url):
        raise bad
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- read to check it: ValueError when out of range or not a number
    except ValueError:  # an unclosed [ of an IPv6 address, a port of 99999 or of letters
        raise bad from None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or host is None or not is_host(host):
        raise bad
    if "@" in parts.netloc:
        raise UsageError("bpdebug serve: --public-url must not carry a user name or password")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise UsageError(
            "bpdebug serve: --public-url must be a host's root (https://host), not a path: "
            "the browser fetches downloads from the root"
        )
    return f"{parts.scheme}://{parts.netloc}"


def session_command(net: Path, root: Path, args: argparse.Namespace) -> list[str]:
    """What the server runs for each tab: this Python, this bpdebug."""
    argv = [sys.executable, "-m", "bpdebug", str(net), "--served-from", str(root)]
    if args.quiz is not None:
        quiz = ["--kinds", args.quiz, "--tolerance", repr(args.tolerance)]
        argv = [*argv[:3], "quiz", *argv[3:], *quiz]
    for field, _, _ in LIMIT_FLAGS:
        argv += ["--" + field.replace("_", "-"), repr(getattr(args, field))]
    return argv


def run_serve(args: argparse.Namespace) -> int:
    try:
        from bpdebug.cli.webserver import ClassroomServer
    except ImportError:
        say(MISSING)
        return 2
    host = checked_host(args.host)
    public_url = checked_public_url(args.public_url)
    if args.quiz is not None:  # a bad list or tolerance is one line here, not in every tab
        from bpdebug.cli.classroom import check_tolerance, quiz_kinds

        quiz_kinds(args.quiz)
        check_tolerance("serve", args.tolerance)
    network = load(args.net, limits_of(args))  # a bad file is one line now, not in each tab
    net = resolve(args.net).resolve()
    root = here().resolve()
    name = network.name or net.stem
    title = f"bpdebug · {name}" + (" · quiz" if args.quiz is not None else "")
    url = public_url or f"http://{where_to_browse(host)}:{args.port}"
    warning = (
        ""
        if is_loopback(host)
        else f"bpdebug serve: warning: listening on {host}: anyone who can reach this address "
        "can start sessions on this machine (textual-serve has no password)"
    )
    server = ClassroomServer(
        session_command(net, root, args),
        banner=f"Serving {name} on {url} (files under {root}); Ctrl+C stops",
        warning=warning,
        fixed_url=public_url is not None,
        idle_timeout=args.idle_timeout,
        host=host,
        port=args.port,
        title=title,
        public_url=url,
    )
    try:
        server.serve()
    except (OSError, UnicodeError) as exc:  # in use, not this machine's, no such name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        say(f"bpdebug serve: cannot listen on {host}:{args.port}: {reason}")
        return 2
    print("Stopped: every session has ended.", flush=True)
    return 0
