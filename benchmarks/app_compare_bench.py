"""Responsiveness of the web app's Compare page: from the click on "Run comparison" to the
headline differences on the page, for baseline_calibrated vs five_batches at 10,000
households x 7 years x 5 replicates (the page's defaults), in Debian's Chromium.

Usage: .venv/bin/python benchmarks/app_compare_bench.py [--repeat N]
Target (issue 13): an answer (the headline differences) under 10 s on 2 cores; the figures,
tables and downloads follow once the directory is written.
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, app_server, only_local  # noqa: E402

HEADLINE = (
    'td.difference[data-scenario="five_batches"][data-indicator="incidence_persons_final_year"]'
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    seconds, complete = [], []
    with tempfile.TemporaryDirectory() as workdir, app_server(Path(workdir)) as url, \
            sync_playwright() as playwright:  # fmt: skip
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for attempt in range(args.repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", only_local)
            page.goto(url)
            run = page.get_by_role("button", name="Run comparison")
            run.wait_for(timeout=60_000)
            started = time.perf_counter()
            run.click()
            page.locator(HEADLINE).wait_for(timeout=120_000)
            seconds.append(time.perf_counter() - started)
            page.get_by_text("Finished").wait_for(timeout=120_000)
            complete.append(time.perf_counter() - started)
            print(f"run {attempt + 1}: {seconds[-1]:.1f} s to the headline differences "
                  f"({page.locator(HEADLINE).inner_text()} income-poor persons, final year), "
                  f"{complete[-1]:.1f} s to the whole page (figures, tables, downloads)")
            page.close()
        browser.close()
    print(f"headline differences: median {statistics.median(seconds):.1f} s, best "
          f"{min(seconds):.1f} s; whole page: median {statistics.median(complete):.1f} s; "
          f"{len(seconds)} runs (10,000 households x 7 years x 5 replicates, 2 scenarios)")


if __name__ == "__main__":
    main()
