"""CodeTracer trace-filter files: parsing, the chain, scopes, and redaction in every view."""

from __future__ import annotations

import io
import json
import pathlib
import textwrap

import pytest

import ct_jupyter
from ct_jupyter.errors import PolicyError
from ct_jupyter.trace_filter import build_chain, load_filter
from tests.helpers import record_source

PROGRAM = '''\
class Client:
    def __init__(self, api_key):
        self.api_key = api_key
        self.host = "example.org"


def get_password(user):
    token = "tk-" + user.upper()
    return "pw-" + user[::-1]


def connect(password, port):
    company = "ACME"
    client = Client("ak-" + str(port))
    return company + str(port)


secret = get_password("ann")
result = connect(secret, 8080)
auth_header = "Bearer " + "x" * 3
'''
#: Values computed at run time (never in the source), so a leak is a real leak.
SECRETS = ("pw-nna", "tk-ANN", "ak-8080", "Bearer xxx")


def _write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_secrets_are_redacted_in_every_view_and_the_export(tmp_path: pathlib.Path,
                                                          backend: str) -> None:
    from rich.console import Console

    from ct_jupyter.codetracer.validate import validate
    from ct_jupyter.render.html import trace_to_html
    from ct_jupyter.render.terminal import TraceView
    from ct_jupyter.widget.payload import view_payload

    trace = record_source(PROGRAM, backend)
    end = len(trace)
    top = trace.variables(end, 0)
    assert top["secret"].text == "<redacted>" and top["auth_header"].text == "<redacted>"
    assert top["result"].text == "'ACME8080'"  # an ordinary name is kept
    counts = trace.counters
    assert counts["value_redactions"]["global"] >= 2 and counts["value_redactions"]["return"] >= 1
    assert counts["value_redactions"]["local"] >= 1 and counts["value_redactions"]["argument"] >= 1
    assert counts["value_redactions"]["attribute"] >= 1
    # viewer payloads at every step, HTML snapshot, terminal view
    payloads = json.dumps([view_payload(trace, i) for i in range(end + 1)])
    html = trace_to_html(trace)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(TraceView(trace, start=0, limit=end))
    terminal = console.file.getvalue()  # type: ignore[attr-defined]
    for name, text in (("payload", payloads), ("html", html), ("terminal", terminal)):
        for value in SECRETS:
            assert value not in text, f"{value!r} leaked into the {name}"
    assert "<redacted>" in payloads and "&lt;redacted&gt;" in html and "<redacted>" in terminal
    folder = ct_jupyter.export(trace, tmp_path / "out")
    assert validate(folder).ok
    data = (folder / "trace.json").read_text()
    for value in SECRETS:
        assert value not in data
    assert '"kind":"Error","msg":"<redacted>"' in data.replace(" ", "")
    meta = json.loads((folder / "trace_metadata.json").read_text())["ct_jupyter"]["meta"]
    assert meta["counters"] == counts
    assert meta["trace_filter"]["filters"][0]["name"] == "builtin-default"
    # loading the folder back shows the same placeholders
    again = ct_jupyter.load(folder)
    assert again.variables(len(again), 0)["secret"].text == "<redacted>"


def test_harmless_names_that_contain_a_secret_word_are_kept(backend: str) -> None:
    trace = record_source("company = 1\nspan = 2\nexpand = 3\nauthor = 4\npassword_hint = 5\n",
                          backend)
    values = {k: v.text for k, v in trace.variables(len(trace), 0).items()}
    assert values == {"company": "1", "span": "2", "expand": "3", "author": "4",
                      "password_hint": "<redacted>"}


def test_explicit_filter_drops_allows_and_skips(tmp_path: pathlib.Path, backend: str) -> None:
    filt = _write(tmp_path / "f.toml", '''
        [meta]
        name = "mine"
        version = 1

        [scope]
        default_exec = "inherit"
        default_value_action = "allow"

        [[scope.rules]]
        selector = "pkg:__main__"
        [[scope.rules.value_patterns]]
        selector = "local:glob:port"
        action = "drop"
        [[scope.rules.value_patterns]]
        selector = "global:regex:^(secret|result)$"
        action = "redact"

        [[scope.rules]]
        selector = "obj:__main__.get_password"
        exec = "skip"
    ''')
    trace = ct_jupyter.record(PROGRAM, io="off", backend=backend, trace_filter=str(filt))
    functions = {trace.frame(f).function.qualname for f in range(trace.frame_count)}
    assert "get_password" not in functions and "connect" in functions
    connect = next(f for f in range(trace.frame_count)
                   if trace.frame(f).function.qualname == "connect")
    assert "port" not in trace.variables(len(trace), connect)
    assert trace.variables(len(trace), connect)["password"].text != "<redacted>"  # rule replaced the defaults
    top = trace.variables(len(trace), 0)
    assert top["result"].text == "<redacted>" and top["auth_header"].text.startswith("'Bearer")
    assert trace.counters["scopes_skipped"] == 1 and trace.counters["value_drops"]["argument"] >= 1
    assert [f["name"] for f in trace.meta["trace_filter"]["filters"]] == ["builtin-default", "mine"]


def test_project_filter_is_found_walking_up_and_explicit_ones_follow(tmp_path: pathlib.Path) -> None:
    project = _write(tmp_path / "proj" / ".codetracer" / "trace-filter.toml", '''
        [meta]
        name = "project"
        version = 2
    ''')
    extra = _write(tmp_path / "extra.toml", '[meta]\nname = "extra"\nversion = 1\n')
    script = _write(tmp_path / "proj" / "pkg" / "deep" / "main.py", "x = 1\n")
    chain = build_chain([str(extra)], str(script))
    assert [f.name for f in chain.filters] == ["builtin-default", "project", "extra"]
    assert chain.filters[1].path == str(project) and len(chain.filters[1].sha256) == 64


@pytest.mark.parametrize("body, line, word", [
    ('[meta]\nname = "x"\nversion = 1\ncolour = "red"\n', 4, "colour"),
    ('[meta]\nname = "x"\nversion = 1\n\n[scope]\n\n[[scope.rules]]\nselector = "mod:foo"\n', 8,
     "selector kind"),
    ('[meta]\nname = "x"\nversion = 1\n[[scope.rules]]\nselector = "pkg:regex:(("\n', 0, "regex"),
    ('[meta]\nname = "x"\nversion = 0\n', 3, "version"),
    ('[meta]\nname = "x"\nversion = 1\n[scope]\ndefault_exec = "maybe"\n', 5, "default_exec"),
    (('[meta]\nname = "x"\nversion = 1\n[[scope.rules]]\nselector = "pkg:a"\n'
      '[[scope.rules.value_patterns]]\nselector = "local:x"\naction = "hide"\n'), 8, "action"),
    ('[meta]\nname = "x"\nversion = 1\n[[scope.rules]]\nselector = "pkg:a"\nwhen = 1\n', 6, "when"),
    ('[meta\nname = "x"\n', 1, "TOML"),
])
def test_bad_filter_files_name_file_and_line(tmp_path: pathlib.Path, body: str, line: int,
                                             word: str) -> None:
    path = _write(tmp_path / "bad.toml", body)
    with pytest.raises(PolicyError) as info:
        load_filter(path)
    err = info.value
    assert err.code == "ERR_INVALID_POLICY_VALUE" and err.context["file"] == str(path)
    assert word in err.message
    if line:
        assert err.context["line"] == str(line) and f"bad.toml:{line}" in err.message


def test_filter_from_environment_and_bad_filter_stops_before_running(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _write(tmp_path / "g.toml", '''
        [meta]
        name = "env"
        version = 1
        [scope]
        default_value_action = "redact"
    ''')
    monkeypatch.setenv("CODETRACER_TRACE_FILTER", str(good))
    trace = ct_jupyter.record("x = 40 + 2\n", io="off")
    assert trace.variables(len(trace), 0)["x"].text == "<redacted>"
    monkeypatch.setenv("CODETRACER_TRACE_FILTER", str(tmp_path / "missing.toml"))
    ran: list[int] = []
    with pytest.raises(PolicyError):
        ct_jupyter.record("ran.append(1)", namespace={"ran": ran})
    assert ran == []


def test_magic_trace_filter_flag(tmp_path: pathlib.Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    filt = _write(tmp_path / "m.toml", '''
        [meta]
        name = "magic"
        version = 1
        [scope]
        default_value_action = "drop"
    ''')
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "ct_jupyter")
    shell.run_cell_magic("codetrace", f"--io off --view none --as t --trace-filter {filt}",
                         "kept = 1\n")
    trace = shell.user_ns["t"]
    assert "kept" not in trace.variables(len(trace), 0)
    assert trace.counters["value_drops"]["global"] == 1
