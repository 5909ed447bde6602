"""Time the explorer page as a user meets it: start, first render, one slider move.

    python benchmarks/bench_explore_page.py [--deal NAME] [--repeats 3]

Starts ``chipdeals explore DEAL --no-browser`` as a fresh process, then with headless Debian
chromium (Playwright, never a downloaded browser) times: process start to URL printed; page
load to the verdict on screen (the issue asks for under 3 s); one keyboard step of a slider to
the new readout. Anchor: Voila serving notebook 03 took about 12 s to show its sliders on this
machine (review turn 2).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deal", default="gulf-divestment-uae")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium: apt-get install chromium")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from deals.cli.commands import main; "
                             "sys.exit(main())", "explore", args.deal, "--no-browser"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
    started = time.perf_counter() - t0
    loads, moves = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            for _ in range(args.repeats):
                page = browser.new_page()
                t = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(".verdict >> text=accepts these terms", timeout=60_000)
                loads.append(time.perf_counter() - t)
                before = page.locator(".readout").nth(2).inner_text()
                handle = page.locator(".noUi-handle").nth(2)
                handle.focus()
                t = time.perf_counter()
                handle.press("ArrowLeft")
                readout = page.locator(".readout").nth(2)
                while readout.inner_text() == before:  # polled every 10 ms
                    page.wait_for_timeout(10)
                moves.append(time.perf_counter() - t)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"start to URL printed   {started:6.2f} s")
    print(f"first render (median)  {sorted(loads)[len(loads) // 2]:6.2f} s   "
          f"(all: {', '.join(f'{x:.2f}' for x in loads)}; issue: under 3 s; Voila: ~12 s)")
    print(f"slider step (median)   {sorted(moves)[len(moves) // 2]:6.2f} s")


if __name__ == "__main__":
    main()
