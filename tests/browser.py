"""Run Debian's Chromium headless on a local page: screenshot, DOM after scripts, console.

The HTML report tests open the page as a reader would, in a real browser, to prove what a
string test cannot: the Content-Security-Policy lets the page's own script and stylesheet
run (and nothing else), injected dataset text stays text, and the page paints.

Console messages are read from Chromium's own log on stderr (``--enable-logging=stderr
--v=0``), where every ``console.*`` call, uncaught exception and CSP violation appears as
one ``INFO:CONSOLE...] "message", source: URL (line)`` line.  That needs no DevTools
client and no extra package; its one limit is that the log does not say the message's
level, so callers treat every console message as a problem (the report logs nothing).

Each run uses a fresh profile directory, resolves no host name (``--host-resolver-rules``:
the page must need no network, and a test must not reach one) and has a timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

#: where Debian's ``chromium`` package installs its launcher
CHROMIUM = "/usr/bin/chromium"
#: seconds one browser run may take before the test fails
TIMEOUT = 90

_CONSOLE = re.compile(r':CONSOLE(?:\(\d+\)|:\d+)\] "(.*)", source: (.*)$')


def chromium() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


@dataclass(frozen=True)
class Run:
    """What one headless run produced."""

    stdout: str
    console: list[str]


def _run(url: str, extra: list[str], timeout: int = TIMEOUT) -> Run:
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="dp-chromium-") as profile:
        args = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--disable-component-update",
            "--no-default-browser-check",
            "--mute-audio",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            url,
        ]
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, errors="replace", check=False
        )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"chromium exited {proc.returncode}: {' | '.join(tail)}")
    console = []
    for line in proc.stderr.splitlines():
        m = _CONSOLE.search(line)
        if m:
            console.append(f"{m.group(1)} ({m.group(2)})")
    return Run(proc.stdout, console)


def dump_dom(url: str, *, dark: bool = False) -> Run:
    """The serialised DOM after the page's scripts ran (``stdout``), and its console."""
    return _run(url, [*(_DARK if dark else []), "--dump-dom"])


#: dark mode: headless Chromium has no OS theme to follow.  Blink's setting (0 = dark) sets
#: ``prefers-color-scheme: dark``; --force-dark-mode did too in Chromium 156 (both checked by
#: the page's background colour), and both are passed so a build honouring either works
_DARK = ["--blink-settings=preferredColorScheme=0", "--force-dark-mode"]


def screenshot(
    url: str, png: Path, *, width: int = 1280, height: int = 2000, dark: bool = False
) -> Run:
    """A PNG of the first ``width`` x ``height`` pixels of the page, and its console."""
    return _run(
        url, [*(_DARK if dark else []), f"--screenshot={png}", f"--window-size={width},{height}"]
    )


def png_rows(png: Path, max_rows: int | None = None) -> list[bytes]:
    """The first ``max_rows`` rows of an 8-bit RGB or RGBA PNG as RGB bytes per row.

    Decoded with the standard library (zlib and the five PNG row filters), since a test
    should not need an imaging package for a few pixels.
    """
    data = png.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{png} is not a PNG")
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, ctype = struct.unpack(">IIBB", header[:10])
    if depth != 8 or ctype not in (2, 6):
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height if max_rows is None else min(height, max_rows)):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, prev, bpp)
        rows.append(bytes(line) if bpp == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        prev = line
    return rows


def png_colours(png: Path, max_rows: int = 700) -> int:
    """How many distinct colours the top ``max_rows`` rows of a PNG hold.

    A blank or failed page has one or two; a rendered report has text, a gauge, coloured
    tiles and antialiasing, so hundreds.  Only the top is decoded: pure-Python row
    filters are slow, and the top of the report is what must always paint.
    """
    seen: set[bytes] = set()
    for row in png_rows(png, max_rows):
        seen.update(row[x : x + 3] for x in range(0, len(row), 3))
    return len(seen)


def png_pixel(png: Path, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour of one pixel."""
    row = png_rows(png, y + 1)[y]
    r, g, b = row[3 * x : 3 * x + 3]
    return r, g, b


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    """Undo one PNG row filter in place (None, Sub, Up, Average, Paeth)."""
    n = len(line)
    if kind == 1:
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif kind == 3:
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (left + prev[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(n):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pred) & 0xFF
