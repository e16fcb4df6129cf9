"""The planner's web app in a real browser (Debian's Chromium under Playwright, no network):
it loads, compares two library scenarios with the numbers of `run.py compare`, hands out a
scenario file `run.py validate` accepts, shows a bad upload's command-line message without
running anything, and steps a county a year under Mesa's SolaraViz.

One app server (a subprocess on a free loopback port) serves the whole module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, app_server, only_local
from tests.support.cli import run_cli
from tests.support.paths import SCENARIOS

pytestmark = pytest.mark.browser

SMALL = {"households": "400", "years": "2", "replicates": "2", "seed": "3"}
RUN_SECONDS = 180


@pytest.fixture(scope="module")
def workdir_of(tmp_path_factory) -> Path:
    """The app server's working directory: its outputs/app/ goes there."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_url(workdir_of) -> str:
    """The address of the module's app server."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with app_server(workdir_of) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page that may reach the app server only; external requests are aborted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.route("**/*", only_local)
    page.external_requests = []
    page.on(
        "request",
        lambda request: page.external_requests.append(request.url)
        if "127.0.0.1" not in request.url and not request.url.startswith("data:")
        else None,
    )
    yield page
    context.close()


def open_compare_page(page, app_url: str) -> None:
    page.goto(app_url)
    page.get_by_role("button", name="Run comparison").wait_for(timeout=60_000)


def set_size(page, values: dict[str, str]) -> None:
    """Type the run's size into its fields (each commits on Enter)."""
    for label, value in values.items():
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")


def cli_difference(comparison_stdout: str, label: str) -> str:
    """The difference `run.py compare` prints for `label` (e.g. '-5.4 pp')."""
    match = re.search(rf"^\s+{re.escape(label)}\s+(\S+(?: pp)?)", comparison_stdout, re.MULTILINE)
    assert match, comparison_stdout
    return match.group(1)


def test_the_app_loads_with_no_request_beyond_its_own_server(page, app_url):
    open_compare_page(page, app_url)
    assert page.get_by_role("checkbox", name="five_batches", exact=True).is_checked()
    assert page.external_requests == []


def test_a_comparison_shows_the_numbers_of_run_py_compare_and_its_files(
    page, app_url, workdir_of, tmp_path
):
    open_compare_page(page, app_url)
    set_size(page, SMALL)
    page.get_by_role("button", name="Run comparison").click()
    cell = page.locator(
        'td.difference[data-scenario="five_batches"][data-indicator="incidence_persons_final_year"]'
    )
    cell.wait_for(timeout=RUN_SECONDS * 1000)
    shown = {
        key: page.locator(
            f'td.difference[data-scenario="five_batches"][data-indicator="{key}"]'
        ).inner_text()
        for key in ("incidence_persons_final_year", "lasting_exits_households_total")
    }

    result = run_cli(
        "compare", SCENARIOS / "baseline_calibrated.yaml", SCENARIOS / "five_batches.yaml",
        "--households", SMALL["households"], "--years", SMALL["years"],
        "--replicates", SMALL["replicates"], "--seed", SMALL["seed"], "--out", tmp_path / "cli",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert shown["incidence_persons_final_year"] == cli_difference(
        result.stdout, "income-poor persons, final year"
    )
    assert shown["lasting_exits_households_total"] == cli_difference(
        result.stdout, "lasting exits (households)"
    )

    with page.expect_download() as download:
        page.get_by_role("button", name="Scenario five_batches.yaml").click()
    saved = tmp_path / "five_batches_from_the_app.yaml"
    download.value.save_as(saved)
    validated = run_cli("validate", saved)
    assert validated.returncode == 0, validated.stderr
    assert "n_households: 400" in saved.read_text()
    for name in ("comparison.csv", "report.html"):
        with page.expect_download() as download:
            page.get_by_role("button", name=name).click()
        download.value.save_as(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 0
    runs = list((workdir_of / "outputs" / "app").glob("compare-*/comparison/manifest.json"))
    assert len(runs) == 1


def test_a_bad_upload_shows_the_command_line_message_and_runs_nothing(
    page, app_url, workdir_of, tmp_path
):
    bad = tmp_path / "typo.yaml"
    bad.write_text("extends: five_batches.yaml\nname: typo\npolicy:\n  exit:\n    plan: 0.2\n")
    runs_before = sorted((workdir_of / "outputs" / "app").glob("compare-*"))
    open_compare_page(page, app_url)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload a scenario").click()
    chooser.value.set_files(str(bad))
    message = page.locator(".upload-error pre")
    message.wait_for(timeout=30_000)
    shown = message.inner_text()

    saved = re.search(r"(/\S+/uploads/typo-[0-9a-f]+\.yaml)", shown)
    assert saved, shown
    result = run_cli("validate", saved.group(1))
    assert result.returncode == 2
    assert shown.strip() == result.stderr.strip()
    assert "policy.exit.plan: unknown key; allowed keys here:" in shown
    assert sorted((workdir_of / "outputs" / "app").glob("compare-*")) == runs_before


def test_a_number_outside_the_schema_cannot_be_entered(page, app_url):
    open_compare_page(page, app_url)
    set_size(page, {"years": "500"})
    page.get_by_text("years: allowed from 1 to 200; set to 200").wait_for(timeout=10_000)
    assert page.get_by_label("years", exact=True).input_value() == "200"


def test_the_county_page_steps_a_year_under_solaraviz(page, app_url):
    page.goto(app_url + "county")
    page.get_by_role("button", name="Step").wait_for(timeout=60_000)
    page.get_by_text("Step: 0").wait_for(timeout=30_000)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Step: 1").wait_for(timeout=60_000)
    page.get_by_text("Villages after 2014").wait_for(timeout=30_000)
