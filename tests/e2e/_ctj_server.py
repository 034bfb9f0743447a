"""A private JupyterLab 4 server (which also serves Notebook 7) for the browser tests.

Everything lives in a temp dir (root, config, data, runtime, IPython, settings, workspaces), the
server listens on a free localhost port with a random token, and `stop()` shuts it down through
the API (kernels included) before signalling its own process group.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: Where the browser tests put their screenshots (git-ignored).
ARTIFACTS = REPO / "test-results" / "e2e"


#: Open the notebook at ``path`` in JupyterLab (already navigated to it), wait for its kernel,
#: and, when ``run`` is true, run all its cells; return the kernel id (null without one).
#: Arguments: ``[path, timeoutMs, run]``.
OPEN_NOTEBOOK_JS = """async ([path, timeoutMs, run]) => {
  const work = (async () => {
    const app = window.jupyterapp;
    if (!app) throw new Error("window.jupyterapp missing (expose_app_in_browser)");
    await app.restored;
    let panel = null;
    for (let i = 0; i < 600 && !panel; i++) {
      for (const w of app.shell.widgets("main")) if (w.context && w.context.path === path) { panel = w; break; }
      if (!panel) await new Promise((r) => setTimeout(r, 100));
    }
    if (!panel) throw new Error("notebook panel not found: " + path);
    await panel.context.ready;
    await panel.sessionContext.ready;
    for (let i = 0; i < 600; i++) {
      const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
      if (k && k.status === "idle" && k.connectionStatus === "connected") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    app.shell.activateById(panel.id);
    if (run) await app.commands.execute("notebook:run-all-cells");
    const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return k ? k.id : null;
  })();
  const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error("open/run timed out")), timeoutMs));
  return await Promise.race([work, timeout]);
}"""


def write_notebook(server: JupyterServer, name: str, cells: list[str]) -> str:
    """Write a Python 3 notebook of ``cells`` (code) into the server's root; return its path."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = f"{name}.ipynb"
    nbformat.write(nb, server.root / path)
    return path


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterServer:
    """Start/stop one isolated ``python -m jupyterlab`` and talk to its REST API."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.root = workdir / "root"
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "jupyter.log"
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython",
                "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}
        for var, name in dirs.items():
            path = self.workdir / name
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        self.root.mkdir(parents=True, exist_ok=True)
        labconfig = self.workdir / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
        env.pop("JUPYTER_TOKEN", None)
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        return env

    @property
    def runtime_dir(self) -> Path:
        return self.workdir / "runtime"

    def start(self, timeout: float = 120.0) -> None:
        """Start the server and wait until ``/api/status`` answers (fail with the log if it dies)."""
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
               "--JupyterNotebookApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterlab exited with {self.proc.returncode}:\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        raise RuntimeError(f"jupyterlab did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        """Return the server's log so far."""
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the REST API with the token; return the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def url(self, path: str) -> str:
        """Return a page URL with the token."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def kernel_ids(self) -> list[str]:
        """Return the ids of the running kernels."""
        return [k["id"] for k in self.api("GET", "/api/kernels")]

    def stop(self) -> None:
        """Shut down through the API (stops kernels), then signal our own process group if needed."""
        if self.proc is None:
            return
        try:
            self.api("POST", "/api/shutdown", timeout=5)
        except Exception:  # noqa: BLE001, S110 - fall back to signals below
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=10)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()
        self.proc = None


def kernel_eval(server: JupyterServer, kernel_id: str, expressions: dict[str, str],
                timeout: float = 30.0) -> dict[str, Any]:
    """Evaluate expressions in a running kernel silently; return ``{name: repr text}``."""
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient(connection_file=str(server.runtime_dir / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        msg_id = client.execute("", silent=True, user_expressions=expressions)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                out = {}
                for name, res in reply["content"]["user_expressions"].items():
                    if res.get("status") != "ok":
                        raise AssertionError(f"kernel expression {name} failed: {res}")
                    out[name] = res["data"]["text/plain"]
                return out
        raise TimeoutError("no execute_reply from the kernel")
    finally:
        client.stop_channels()
