"""Drive headless Chromium over the DevTools protocol, with the standard library only.

Chromium started with ``--remote-debugging-pipe`` reads protocol messages on
file descriptor 3 and writes its answers on 4, each a JSON object ended by a
NUL byte. :class:`Browser` opens a page (with or without its scripts),
waits until every chart has drawn,
measures the page with JavaScript, takes screenshots, and looks at a
screenshot's pixels (:meth:`Browser.ink`) by drawing it on a canvas.

Usage: ``python tests/browser.py PAGE.html OUT.png [WIDTH [SLICE]]`` saves a
full-page screenshot, or slices of it SLICE pixels tall as OUT-1.png, OUT-2.png
and so on (for looking at a page by hand).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline: any request that leaves the machine fails.
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
"""Headless Chromium with nothing reaching the network (also for ``--dump-dom`` runs)."""
FLAGS = [*OFFLINE, "--hide-scrollbars", "--force-color-profile=srgb", "--remote-debugging-pipe"]


class BrowserError(RuntimeError):
    """Chromium did not answer, or answered with an error."""


class Browser:
    """One headless Chromium with one page, driven over a pipe.

    Examples
    --------
    >>> with Browser() as browser:  # doctest: +SKIP
    ...     browser.open("file:///tmp/page.html", width=1280)
    ...     png = browser.screenshot()
    """

    def __init__(self, timeout: float = 120.0) -> None:
        if CHROMIUM is None:
            msg = "chromium is not installed"
            raise BrowserError(msg)
        self.timeout = timeout
        # chromium may still be writing its profile as it exits: a leftover file is no failure
        self._profile = tempfile.TemporaryDirectory(prefix="trends-chromium-",
                                                    ignore_cleanup_errors=True)
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        def wire() -> None:  # in the child: the protocol's descriptors are 3 and 4
            high_in, high_out = os.dup(to_child) + 100, os.dup(from_child) + 100
            os.dup2(to_child, high_in)
            os.dup2(from_child, high_out)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self._process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire,  # the test process runs no threads here
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.console: list[str] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        for fd in (self._write, self._read):
            try:
                os.close(fd)
            except OSError:
                pass
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._profile.cleanup()

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and return its result."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    msg = f"{method}: {reply['error']}"
                    raise BrowserError(msg)
                return dict(reply.get("result", {}))
            self._note(reply)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                msg = "Chromium did not answer in time"
                raise BrowserError(msg)
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                msg = "Chromium closed the pipe"
                raise BrowserError(msg)
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def _note(self, event: dict[str, Any]) -> None:
        method = event.get("method", "")
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
            self.console.append(" ".join(str(a.get("value", a.get("description", "")))
                                         for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.console.append(str(params.get("exceptionDetails", {}).get("text", "")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.console.append(str(params["entry"].get("text", "")))
        self._events.append(event)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if a promise)."""
        result = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            msg = f"JavaScript failed: {result['exceptionDetails']}"
            raise BrowserError(msg)
        return result["result"].get("value")

    def open(
        self, url: str, *, width: int = 1280, height: int = 900, media: str = "screen",
        javascript: bool = True,
    ) -> None:
        """Load ``url`` at this window size and wait until every chart has drawn.

        With ``javascript=False`` the page's scripts do not run, as for a
        reader who has turned them off, and "drawn" means every image in a
        chart's place has loaded.
        """
        self.call("Emulation.setScriptExecutionDisabled", session=True, value=not javascript)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Emulation.setEmulatedMedia", session=True, media=media)
        self._events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + self.timeout
        while True:
            drawn = (
                "d.querySelector('svg') !== null" if javascript else
                "Array.from(d.querySelectorAll('img')).every(i => i.complete && i.naturalWidth)"
            )
            ready = self.evaluate(
                "document.readyState === 'complete' && "
                f"Array.from(document.querySelectorAll('div.chart')).every(d => {drawn})"
            )
            if ready:
                break
            if time.monotonic() > deadline:
                msg = f"{url}: charts did not draw in {self.timeout:.0f} s"
                raise BrowserError(msg)
            time.sleep(0.2)
        self.evaluate("document.fonts.ready.then(() => true)")

    def screenshot(self, top: float = 0, height: float | None = None) -> bytes:
        """A PNG of the page at the window's width, whole or from ``top`` for ``height``."""
        size = self.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        tall = size[1] - top if height is None else min(height, size[1] - top)
        result = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": top, "width": size[0], "height": tall, "scale": 1},
        )
        return base64.b64decode(result["data"])

    def page_height(self) -> int:
        """The height of the whole page in CSS pixels."""
        return int(self.evaluate("document.documentElement.scrollHeight"))

    def ink(self, png: bytes, boxes: list[dict[str, float]]) -> list[float]:
        """For each box (x, y, width, height) of a screenshot, the share of pixels not white.

        The screenshot is drawn on a canvas in a blank page, so the page open
        before is closed.
        """
        self.call("Emulation.setScriptExecutionDisabled", session=True, value=False)
        self.call("Page.navigate", session=True, url="about:blank")
        source = "data:image/png;base64," + base64.b64encode(png).decode()
        script = """
        new Promise((resolve, reject) => {
          const image = new Image();
          image.onerror = () => reject(new Error("screenshot did not decode"));
          image.onload = () => {
            const canvas = document.createElement("canvas");
            canvas.width = image.width; canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            resolve(BOXES.map(b => {
              const w = Math.max(1, Math.round(b.width)), h = Math.max(1, Math.round(b.height));
              const d = context.getImageData(Math.round(b.x), Math.round(b.y), w, h).data;
              let inked = 0;
              for (let i = 0; i < d.length; i += 4) {
                if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) inked += 1;
              }
              return inked / (w * h);
            }));
          };
          image.src = SOURCE;
        })"""
        script = script.replace("BOXES", json.dumps(boxes)).replace("SOURCE", json.dumps(source))
        return [float(v) for v in self.evaluate(script)]


if __name__ == "__main__":
    page, out = Path(sys.argv[1]), Path(sys.argv[2])
    window = int(sys.argv[3]) if len(sys.argv) > 3 else 1280
    slices = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with Browser() as browser:
        browser.open(page.resolve().as_uri(), width=window)
        if not slices:
            out.write_bytes(browser.screenshot())
        else:  # OUT-1.png, OUT-2.png, ... each `slices` pixels tall
            for number, top in enumerate(range(0, browser.page_height(), slices), start=1):
                path = out.with_name(f"{out.stem}-{number}{out.suffix}")
                path.write_bytes(browser.screenshot(top, slices))
    print(f"wrote {out}", file=sys.stderr)
