"""A real browser: start the app on a free port and load Home, Data and Train in headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, store_untrained

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


IDLE_SECONDS = 60  # how long a wait goes on once the app shows no sign of working
CAP_SECONDS = 420  # the longest any one wait may take, however busy the machine


def appears(page, locator) -> None:
    """Wait until ``locator`` is visible, for as long as the app shows it is working (Streamlit's running
    indicator, a spinner or a progress bar) and at most ``IDLE_SECONDS`` after it stopped showing so: on a busy
    machine a page takes longer, but a page that has stopped and lacks the element fails within a minute."""
    from playwright.sync_api import expect

    started = last_busy = time.monotonic()
    while True:
        try:
            expect(locator).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            now = time.monotonic()
            signs = ("stStatusWidget", "stSpinner", "stProgress", "stSkeleton")
            if any(page.get_by_test_id(sign).count() for sign in signs):
                last_busy = now
            if now - last_busy > IDLE_SECONDS or now - started > CAP_SECONDS:
                raise


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("MEDLENS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (install it with .ci/ensure-browser)")
        pytest.skip("chromium is not installed; run `make browser`")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stored_model(medlens_home):
    """An untrained PneumoniaMNIST model in the store, so Compress and Explain have something to show."""
    return store_untrained("pneumoniamnist")


@pytest.fixture
def server(medlens_home, request):
    port = free_port()
    demo = "on" if request.node.get_closest_marker("demo_models") else "off"
    env = dict(os.environ, MEDLENS_HOME=str(medlens_home), MEDLENS_DEMO_MODELS=demo)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"streamlit did not start: {process.stdout.read().decode()[-2000:]}")
    yield url
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def browser_page(p, server: str):
    """A page that records every request to another origin (the app must make none) in ``page.outside``."""
    browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
    page = browser.new_page(viewport={"width": 1300, "height": 2400})
    page.outside = []
    page.on("request", lambda request: None if request.url.startswith(server) else page.outside.append(request.url))
    return browser, page


def finish(browser, page) -> None:
    """The checks every browser test ends with: no exception box, no request that left the server."""
    assert not page.get_by_test_id("stException").count()
    assert page.outside == [], page.outside
    browser.close()


def test_a_deep_link_on_a_fresh_server_gets_the_full_app(server):
    """Streamlit runs a bookmarked page file alone until the router has run once; MedLens routes it."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(f"{server}/data")
        appears(page, page.get_by_role("heading", name="PneumoniaMNIST"))
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Dataset", exact=True).first).to_be_visible()
        expect(sidebar.get_by_role("link", name="Explain")).to_be_visible()
        assert sidebar.get_by_role("link", name="common").count() == 0
        finish(browser, page)


def test_compress_and_explain_show_a_stored_model(stored_model, server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(server)
        appears(page, page.get_by_role("heading", name="MedLens"))
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name="Compress").click()
        appears(page, page.get_by_role("heading", name="Find for me"))
        appears(page, page.get_by_text("Nothing measured for this model yet").first)
        sidebar.get_by_role("link", name="Explain").click()
        appears(page, page.get_by_text("Grad-CAM for").first)  # the overlay's title
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.get_by_text("Model says").first).to_be_visible()
        page.get_by_test_id("stSlider").filter(has_text="Heatmap opacity").get_by_role("slider").press("ArrowLeft")
        appears(page, page.get_by_text("Grad-CAM for").first)
        finish(browser, page)


def test_augment_preview_changes_when_a_setting_changes(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(f"{server}/augment")
        appears(page, page.get_by_role("heading", name="Augment"))
        preview = page.get_by_test_id("stImage").first
        appears(page, preview)
        before = preview.locator("img").get_attribute("src")
        seed = page.get_by_test_id("stNumberInput").filter(has_text="Seed").locator("input")
        seed.fill("7")
        seed.press("Enter")
        expect(preview.locator("img")).not_to_have_attribute("src", before, timeout=30_000)
        slider = page.get_by_test_id("stSlider").filter(has_text="Draws per image").get_by_role("slider")
        slider.press("ArrowRight")
        page.wait_for_timeout(1500)
        finish(browser, page)


def test_home_data_and_train_load_in_a_browser(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(server)
        appears(page, page.get_by_role("heading", name="MedLens"))
        expect(page.get_by_text("not a medical device").first).to_be_visible()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Dataset", exact=True).first).to_be_visible()

        sidebar.get_by_role("link", name="Data", exact=True).click()
        appears(page, page.get_by_role("heading", name="PneumoniaMNIST"))
        expect(page.get_by_role("heading", name="Class balance")).to_be_visible()
        expect(page.get_by_text("4,708").first).to_be_visible()
        expect(sidebar.get_by_text("Dataset", exact=True).first).to_be_visible()  # the session pickers stay

        sidebar.get_by_role("link", name="Train").click()
        appears(page, page.get_by_role("heading", name="Train on PneumoniaMNIST"))
        expect(page.get_by_role("button", name="Train")).to_be_visible()
        expect(page.get_by_text("No model for this dataset yet").first).to_be_visible()
        finish(browser, page)


def test_an_uploaded_dicom_is_shown_windowed_and_predicted(stored_model, server):
    from playwright.sync_api import expect, sync_playwright

    from tests.inputs.files import pydicom_file

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(f"{server}/byod")
        appears(page, page.get_by_role("heading", name="Your data"))
        page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(pydicom_file("MR_small.dcm")))
        appears(page, page.get_by_text("window W 1600 / L 600").first)
        expect(page.get_by_test_id("stImage").first.locator("img")).to_be_visible()
        appears(page, page.get_by_text("The model says").first)
        page.get_by_test_id("stSelectbox").filter(has_text="Window").click()
        page.get_by_role("option", name="Brain: grey and white matter, W 80 / L 40").click()
        appears(page, page.get_by_text("window W 80 / L 40").first)
        finish(browser, page)


def test_no_page_asks_another_host_or_shows_a_server_path(stored_model, server, medlens_home):
    from playwright.sync_api import sync_playwright

    private = [str(ROOT), str(medlens_home), os.environ.get("MEDLENS_DATA_DIR", str(ROOT))]
    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        for path, heading in [("", "MedLens"), ("/data", "PneumoniaMNIST"), ("/explain", "Explain")]:
            page.goto(f"{server}{path}")
            appears(page, page.get_by_role("heading", name=heading).first)
            page.wait_for_timeout(1500)
            text = page.locator("body").inner_text()
            assert not [folder for folder in private if folder in text], path
        finish(browser, page)


@pytest.mark.demo_models
def test_a_newcomer_reaches_a_shap_overlay_on_a_chest_x_ray_in_three_clicks(server):
    """From a fresh store: Home, then Explain (1 click), the method box (2), SHAP Partition (3): the overlay of
    the shipped demo model on a real PneumoniaMNIST X-ray. The time from the first page to the overlay is printed
    for the closing note."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        started = time.monotonic()
        page.goto(server)
        appears(page, page.get_by_role("heading", name="MedLens"))
        page.get_by_test_id("stSidebar").get_by_role("link", name="Explain").click()
        appears(page, page.get_by_text("Model says").first)
        page.get_by_test_id("stSelectbox").filter(has_text="Method").first.click()
        page.get_by_role("option", name="SHAP Partition").click()
        appears(page, page.get_by_text("SHAP Partition for").first)
        print(f"newcomer path: 3 clicks, {time.monotonic() - started:.1f} s to the SHAP overlay")
        model_box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Model")
        assert model_box.get_by_role("combobox").input_value().startswith("Demo: PneumoniaMNIST")
        finish(browser, page)


@pytest.mark.demo_models
def test_the_lesson_runs_in_a_browser_guess_then_reveal(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p, server)
        page.goto(f"{server}/lesson")
        appears(page, page.get_by_role("heading", name="Lesson"))
        appears(page, page.get_by_text("Step 1 of 6").first)
        page.get_by_role("button", name="Next step").click()
        appears(page, page.get_by_text("Step 2 of 6").first)
        expect(page.get_by_role("button", name="Reveal")).to_be_disabled(timeout=60_000)
        page.get_by_test_id("stRadio").filter(has_text="Your call").get_by_text("pneumonia").click()
        page.get_by_role("button", name="Reveal").click()
        appears(page, page.get_by_text("The truth").first)
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        page.get_by_role("button", name="Next image").click()
        appears(page, page.get_by_text("of 1.").first)
        finish(browser, page)
