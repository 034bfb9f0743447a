"""Session fixtures for the browser tests: one private JupyterLab server, one headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _ctj_server import ARTIFACTS, JupyterServer

CHROMIUM = os.environ.get("CT_JUPYTER_CHROMIUM", "/usr/bin/chromium")
#: Browser console/page errors that are not ours (Notebook 7.6 emits these on every page load).
ALLOWED_ERRORS = ("reading 'schema'", "filebrowser:open-path", "favicon", "Failed to load resource")


def _need(module: str, extra: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:
        pytest.fail(f"the e2e tests need {module!r}: pip install -e '.[{extra}]' ({exc})", pytrace=False)


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A JupyterLab 4 server (also serving Notebook 7) on a free port, with its own dirs and token."""
    _need("jupyterlab", "e2e")
    _need("notebook", "e2e")
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never Playwright's own browser builds)."""
    _need("playwright", "e2e")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"the e2e tests need Chromium at {CHROMIUM}: run scripts/provision-browser.sh "
                    "(as root: apt-get install -y chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage"])
        try:
            yield b
        finally:
            b.close()


class PageErrors:
    """Console errors, page errors and dialogs seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def ours(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in ALLOWED_ERRORS)]


@pytest.fixture
def page(browser, request) -> Iterator[tuple[object, PageErrors]]:
    """A fresh browser context and page, with error and dialog capture."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    seen = PageErrors()
    pg.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: seen.errors.append(f"pageerror: {e}"))

    def on_dialog(dialog):
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    try:
        yield pg, seen
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if request.node.rep_call_failed if hasattr(request.node, "rep_call_failed") else False:
            pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"))
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if rep.when == "call":
        item.rep_call_failed = rep.failed
    return rep
