"""The network page of the default dataset in a real browser: how long until it is usable.

Starts the web app (`distretto serve`, waitress) on a fresh SQLite database holding the
Mirandola dataset, then loads `/en/network/` in Debian's Chromium (Playwright) several
times and measures, from the start of navigation, when every organisation of the drawing
can be chosen (the SVG's links are in the page: it is server-rendered, so that is the
DOMContentLoaded time) and when the page has loaded. The first load warms the server (its
imports) and is reported apart. Target: interactive within 1 s of loading.

    .venv/bin/python benchmarks/network_page.py [--runs 10]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "network_page.json"
CHROMIUM = Path("/usr/bin/chromium")
TARGET_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"Debian's Chromium is needed at {CHROMIUM}: run `make browser`")
    from playwright.sync_api import sync_playwright

    distretto = str(Path(sys.executable).with_name("distretto"))
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "DISTRETTO_DATA_DIR": data, "DATABASE_URL": ""}
        env.pop("DATABASE_URL")
        subprocess.run([distretto, "migrate", "-v0"], env=env, check=True)  # noqa: S603
        subprocess.run(  # noqa: S603 - our own command
            [distretto, "load", "mirandola"], env=env, check=True, capture_output=True
        )
        port = free_port()
        env.update({"DISTRETTO_HOST": "127.0.0.1", "DISTRETTO_PORT": str(port)})
        server = subprocess.Popen(  # noqa: S603 - our own command
            [distretto, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}/en/network/"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            timings = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=["--no-sandbox"]
                )
                page = browser.new_page()
                for _ in range(args.runs + 1):
                    page.goto(url, wait_until="load")
                    nodes = page.locator("svg.network-graph a.node").count()
                    timing = page.evaluate(
                        "() => { const t = performance.getEntriesByType('navigation')[0];"
                        " return [t.domContentLoadedEventEnd, t.loadEventEnd]; }"
                    )
                    timings.append((timing[0] / 1000, timing[1] / 1000, nodes))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    first, runs = timings[0], timings[1:]
    interactive = [t[0] for t in runs]
    loaded = [t[1] for t in runs]
    figures = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "dataset": "mirandola (embedded default)",
        "organisations_drawn": runs[0][2],
        "first_load_seconds": round(first[1], 3),
        "runs": len(runs),
        "interactive_p50": round(statistics.median(interactive), 3),
        "interactive_max": round(max(interactive), 3),
        "loaded_p50": round(statistics.median(loaded), 3),
        "loaded_max": round(max(loaded), 3),
        "target_seconds": TARGET_SECONDS,
        "meets_target": max(interactive) <= TARGET_SECONDS,
    }
    print(
        f"network page, {figures['organisations_drawn']} organisations: interactive p50 "
        f"{figures['interactive_p50']:.3f} s, max {figures['interactive_max']:.3f} s; loaded "
        f"p50 {figures['loaded_p50']:.3f} s (first load, server warming up: "
        f"{figures['first_load_seconds']:.3f} s); target {TARGET_SECONDS} s: "
        f"{'met' if figures['meets_target'] else 'NOT met'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
