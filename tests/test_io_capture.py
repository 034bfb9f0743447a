"""IO capture: stdout/stderr/stdin traffic recorded per step, live output unchanged."""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.api import run_recorded
from ct_jupyter.core import recorder as recorder_module
from ct_jupyter.core.io_capture import CHUNK_COST, IOCapture
from ct_jupyter.errors import CodetraceWarning, UsageError
from ct_jupyter.model.builder import TraceBuilder
from ct_jupyter.options import TraceOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Streams:
    """What appeared 'live' on stdout/stderr (pytest's capsys), and stdin to feed."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch
        self._out = ""
        self._err = ""

    def _read(self) -> None:
        got = self._capsys.readouterr()
        self._out += got.out
        self._err += got.err

    def out(self) -> str:
        self._read()
        return self._out

    def err(self) -> str:
        self._read()
        return self._err

    def feed(self, text: str) -> None:
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    @staticmethod
    def current() -> tuple[Any, Any, Any]:
        return sys.stdout, sys.stderr, sys.stdin


@pytest.fixture
def streams(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Streams:
    """Live output through capsys; stdin fed per test (empty by default)."""
    s = Streams(capsys, monkeypatch)
    return s


class Clock:
    """A step counter standing in for the recorder's io_step."""

    def __init__(self) -> None:
        self.step = 0

    def __call__(self) -> int:
        return self.step


def chunks(builder: TraceBuilder) -> list[tuple[int, str, str, str]]:
    return list(zip(builder.io_step, builder.io_stream, builder.io_text, builder.io_flags))


@contextlib.contextmanager
def capturing(mode: str = "proxies", budget: int = 1_000_000,
              builder: TraceBuilder | None = None) -> Iterator[tuple[IOCapture, Clock]]:
    clock = Clock()
    cap = IOCapture(mode, builder if builder is not None else TraceBuilder(), clock,
                    budget=budget)
    cap.start()
    try:
        yield cap, clock
    finally:
        cap.stop()


# -- plain Python: output ---------------------------------------------------------------
def test_print_write_writelines_live_and_recorded(streams: Streams) -> None:
    with capturing() as (cap, clock):
        print("hello", 1)
        sys.stdout.write("no newline")
        clock.step = 1
        sys.stdout.writelines(["a\n", "b\n"])
        print("oops", file=sys.stderr)
        sys.stdout.write(" more\n")
        clock.step = 2
        n = sys.stdout.write("xyz")
    assert n == 3
    assert streams.out() == "hello 1\nno newlinea\nb\n more\nxyz"
    assert streams.err() == "oops\n"
    assert chunks(cap.builder) == [
        (0, "stdout", "hello 1\nno newline", ""),
        (1, "stdout", "a\nb\n", ""),
        (1, "stderr", "oops\n", ""),
        (1, "stdout", " more\n", ""),
        (2, "stdout", "xyz", ""),
    ]
    assert cap.builder.io_dropped == {}


def test_carriage_returns_are_kept_as_written(streams: Streams) -> None:
    with capturing() as (cap, clock):
        for i in range(3):
            clock.step = i
            print(f"\r{i * 50}%", end="", flush=True)
        clock.step = 3
        print("\rdone\r\n")
    assert streams.out() == "\r0%\r50%\r100%\rdone\r\n\n"
    assert [c[2] for c in chunks(cap.builder)] == ["\r0%", "\r50%", "\r100%", "\rdone\r\n\n"]


def test_unicode_and_non_str_write_errors_propagate(streams: Streams) -> None:
    with capturing() as (cap, _):
        print("héllo ✓ 🐍")
        with pytest.raises(TypeError):
            sys.stdout.write(b"bytes")  # StringIO refuses bytes, exactly as without recording
    assert chunks(cap.builder) == [(0, "stdout", "héllo ✓ 🐍\n", "")]


def test_output_before_first_step_goes_to_step_zero(streams: Streams) -> None:
    builder = TraceBuilder()
    builder.add_path("<x>")
    builder.add_frame(-1, -1)
    with capturing(builder=builder) as (_, clock):
        clock.step = -1
        print("early")
        builder.add_step(0, 1)
        clock.step = 0
        print("first")
    assert chunks(builder) == [(0, "stdout", "early\nfirst\n", "")]


def test_output_without_any_step_keeps_minus_one(streams: Streams) -> None:
    with capturing() as (cap, clock):
        clock.step = -1
        print("no steps at all")
    assert chunks(cap.builder) == [(-1, "stdout", "no steps at all\n", "")]


# -- plain Python: input ----------------------------------------------------------------
def test_input_prompt_and_answer(streams: Streams) -> None:
    streams.feed("Ada\nteal\n")
    with capturing() as (cap, clock):
        name = input("name? ")
        clock.step = 1
        colour = input()
    assert (name, colour) == ("Ada", "teal")
    assert streams.out() == "name? "  # the prompt still shows, once
    assert chunks(cap.builder) == [
        (0, "stdout", "name? ", "prompt"),
        (0, "stdin", "Ada\n", "input"),
        (1, "stdin", "teal\n", "input"),
    ]
    assert builtins.input is not None and not hasattr(builtins.input, "__wrapped__")


def test_input_eof_records_the_prompt_only(streams: Streams) -> None:
    streams.feed("")
    with capturing() as (cap, _), pytest.raises(EOFError):
        input("more? ")
    assert chunks(cap.builder) == [(0, "stdout", "more? ", "prompt")]


def test_stdin_read_readline_readlines_iteration(streams: Streams) -> None:
    streams.feed("one\ntwo\nthree\nfour\nfive\nsix")
    with capturing() as (cap, clock):
        first = sys.stdin.readline()
        clock.step = 1
        part = sys.stdin.read(4)
        clock.step = 2
        rest_lines = [line for line in sys.stdin if line.startswith("f")]
        clock.step = 3
        assert sys.stdin.readlines() == []
        assert sys.stdin.read() == ""
    assert first == "one\n" and part == "two\n" and rest_lines == ["four\n", "five\n"]
    assert chunks(cap.builder) == [
        (0, "stdin", "one\n", ""),
        (1, "stdin", "two\n", ""),
        (2, "stdin", "three\nfour\nfive\nsix", ""),
    ]


def test_kernel_style_input_replacement_is_recorded(streams: Streams,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ipykernel replaces builtins.input by a stdin-channel request that never touches sys.stdin."""
    asked: list[str] = []

    def raw_input(prompt: str = "") -> str:
        asked.append(prompt)
        return "42"

    monkeypatch.setattr(builtins, "input", raw_input)
    with capturing() as (cap, _):
        answer = input("How many? ")
    assert answer == "42" and asked == ["How many? "]
    assert builtins.input is raw_input
    assert streams.out() == ""  # the kernel shows the prompt, not stdout
    assert chunks(cap.builder) == [(0, "stdout", "How many? ", "prompt"),
                                   (0, "stdin", "42\n", "input")]


def test_getpass_is_never_recorded(streams: Streams, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def stdin_getpass(prompt: str = "Password: ", stream: Any = None) -> str:
        # what getpass does without a terminal: prompt on a stream, read sys.stdin
        sys.stderr.write(prompt)
        return sys.stdin.readline().rstrip("\n")

    monkeypatch.setattr(getpass, "getpass", stdin_getpass)
    streams.feed("s3cret\nvisible\n")
    with capturing() as (cap, _):
        secret = getpass.getpass("Password: ")
        line = sys.stdin.readline()
    assert (secret, line) == ("s3cret", "visible\n")
    assert getpass.getpass is stdin_getpass
    assert streams.err() == "Password: "
    assert chunks(cap.builder) == [(0, "stdin", "visible\n", "")]


def test_input_replaced_during_the_run_is_left_alone(streams: Streams,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with capturing():
        monkeypatch.setattr(builtins, "input", lambda prompt="": "mine")
    assert builtins.input("x") == "mine"


def test_binary_buffers_are_recorded_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    inp = io.TextIOWrapper(io.BytesIO(b"5 7\nnext\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stdin", inp)
    with capturing() as (cap, clock):
        buf = sys.stdout.buffer
        assert buf is sys.stdout.buffer and isinstance(buf, io.BytesIO)  # looks like the real one
        buf.write(b"caf\xc3")  # a character split across two writes
        buf.write(b"\xa9\n")
        buf.writelines([b"a\n", b"b\n"])
        print("text too")
        clock.step = 1
        numbers = sys.stdin.buffer.readline()
        rest = sys.stdin.buffer.read()
    held = buf
    held.write(b"after\n")  # a buffer kept past the recording passes through
    out.flush()
    assert (numbers, rest) == (b"5 7\n", b"next\n")
    assert out.buffer.getvalue().decode() == "café\na\nb\ntext too\nafter\n"  # type: ignore[attr-defined]
    assert chunks(cap.builder) == [(0, "stdout", "café\na\nb\ntext too\n", ""),
                                   (1, "stdin", "5 7\nnext\n", "")]


# -- logging, warnings, redirection -------------------------------------------------------
def test_logging_basicconfig_during_the_run(streams: Streams) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers.clear()
    real_err = sys.stderr
    try:
        with capturing() as (cap, clock):
            logging.basicConfig(format="%(levelname)s:%(message)s", level=logging.INFO, force=True)
            clock.step = 1
            root.warning("disk %s", "full")
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        assert handler.stream is real_err  # not left holding the proxy
        root.warning("after")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert streams.err() == "WARNING:disk full\nWARNING:after\n"
    assert chunks(cap.builder) == [(1, "stderr", "WARNING:disk full\n", "")]


def test_existing_stream_handler_is_captured_and_restored(streams: Streams) -> None:
    logger = logging.getLogger("ct_jupyter_test_io")
    real_err = sys.stderr
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with capturing() as (cap, _):
            logger.error("made before the recording")
        assert handler.stream is real_err
    finally:
        logger.removeHandler(handler)
    assert streams.err() == "made before the recording\n"
    assert chunks(cap.builder) == [(0, "stderr", "made before the recording\n", "")]


def test_warnings_go_to_stderr_and_are_recorded() -> None:
    # in a fresh interpreter: pytest records warnings itself instead of printing them
    proc = run_python(textwrap.dedent("""\
        import ct_jupyter, sys
        from ct_jupyter.core import recorder
        recorder.TESTING = True
        t = ct_jupyter.record("import warnings\\nwarnings.warn('careful')\\nx = 1")
        print(repr([(t.step(c.step).line, c.stream, c.text) for c in t.io]))
        """))
    assert proc.returncode == 0, proc.stderr
    assert "UserWarning: careful" in proc.stderr
    chunk_list = eval(proc.stdout)  # a repr of plain tuples of str/int
    assert len(chunk_list) == 1
    line, stream, text = chunk_list[0]
    assert (line, stream) == (2, "stderr") and "UserWarning: careful" in text
    assert text in proc.stderr


def test_redirect_stdout_inside_the_run(streams: Streams) -> None:
    buf = io.StringIO()
    with capturing() as (cap, clock):
        print("before")
        clock.step = 1
        with contextlib.redirect_stdout(buf):
            print("into the buffer")
        clock.step = 2
        print("after")
    assert buf.getvalue() == "into the buffer\n"
    assert streams.out() == "before\nafter\n"
    assert [c[2] for c in chunks(cap.builder)] == ["before\n", "after\n"]


def test_wrapper_around_the_proxy_is_attributed(streams: Streams) -> None:
    """A library wrapping sys.stdout (like tqdm's or colorama's wrappers) still reaches the capture."""

    class Upper:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def write(self, s: str) -> int:
            return self.inner.write(s.upper())

        def flush(self) -> None:
            self.inner.flush()

    with capturing() as (cap, _):
        original = sys.stdout
        sys.stdout = Upper(original)
        try:
            print("shout")
        finally:
            sys.stdout = original
    assert streams.out() == "SHOUT\n"
    assert chunks(cap.builder) == [(0, "stdout", "SHOUT\n", "")]


def test_rich_console_made_during_the_run(streams: Streams) -> None:
    rich_console = _need("rich.console", "rich")
    with capturing() as (cap, _):
        console = rich_console.Console(color_system=None, width=40)
        console.print("[bold]rich[/bold] text")
    assert streams.out() == "rich text\n"
    assert chunks(cap.builder) == [(0, "stdout", "rich text\n", "")]


def _need(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # a missing dependency must fail, not skip
        pytest.fail(f"{module} is needed for this test: pip install {package} ({exc})")


def _tqdm() -> Any:
    return _need("tqdm", "-e '.[test]'").tqdm


def test_tqdm_made_during_the_run(streams: Streams) -> None:
    tqdm = _tqdm()
    with capturing() as (cap, clock):
        bar = tqdm(total=3, ascii=True, ncols=40, mininterval=0, miniters=1,
                   bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}")
        for i in range(3):
            clock.step = i + 1
            bar.update(1)
        bar.close()
    live = streams.err()
    assert "\r" in live and live.rstrip().endswith("3/3")
    recorded = "".join(c[2] for c in chunks(cap.builder) if c[1] == "stderr")
    assert recorded == live  # carriage returns and all
    assert {c[0] for c in chunks(cap.builder)} >= {1, 2, 3}


def test_tqdm_made_before_the_run_keeps_working(streams: Streams) -> None:
    tqdm = _tqdm()
    bar = tqdm(total=2, ascii=True, ncols=40, mininterval=0, miniters=1)
    with capturing() as (cap, _):
        bar.update(2)
        bar.close()
    assert "2/2" in streams.err()
    # it holds the stream from before the recording: not recorded in proxies mode
    assert chunks(cap.builder) == []


def test_stream_left_replaced_is_restored_with_a_warning(streams: Streams) -> None:
    elsewhere = io.StringIO()
    before = streams.current()
    cap = IOCapture("proxies", TraceBuilder(), Clock())
    cap.start()
    print("recorded")
    sys.stdout = elsewhere
    print("lost to the recording")
    with pytest.warns(CodetraceWarning, match="WARN_STREAM_REPLACED"):
        cap.stop()
    assert streams.current() == before
    assert elsewhere.getvalue() == "lost to the recording\n"
    assert chunks(cap.builder) == [(0, "stdout", "recorded\n", "")]


def test_stop_is_idempotent_and_proxies_pass_through_afterwards(streams: Streams) -> None:
    cap = IOCapture("proxies", TraceBuilder(), Clock())
    cap.stop()  # never started: nothing to do
    before = streams.current()
    cap = IOCapture("proxies", TraceBuilder(), Clock())
    cap.start()
    held = sys.stdout  # e.g. a progress bar made during the run keeps its stream
    print("during")
    cap.stop()
    cap.stop()
    held.write("after\n")
    held.writelines(["again\n"])
    assert streams.current() == before
    assert streams.out() == "during\nafter\nagain\n"
    assert chunks(cap.builder) == [(0, "stdout", "during\n", "")]
    with pytest.raises(UsageError):
        cap.start()


def test_overlapping_captures_stopped_out_of_order(streams: Streams) -> None:
    """Two recordings (say in two threads) whose captures stop in the other order."""
    before = streams.current()
    first = IOCapture("proxies", TraceBuilder(), Clock())
    first.start()
    second = IOCapture("proxies", TraceBuilder(), Clock())
    second.start()
    print("both")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here is the user's doing: no warning
        first.stop()
        print("second only")
        second.stop()
    assert streams.current() == before
    assert [c[2] for c in chunks(first.builder)] == ["both\n"]
    assert [c[2] for c in chunks(second.builder)] == ["both\nsecond only\n"]
    assert streams.out() == "both\nsecond only\n"


def test_muted_and_silenced_for_the_recorders_own_calls(streams: Streams) -> None:
    with capturing() as (cap, _):
        with cap.muted():
            print("shown, not recorded")
        with cap.silenced():
            print("a __repr__ printing while the recorder looks at a value")
            sys.stderr.writelines(["neither\n"])
        print("normal")
    assert streams.out() == "shown, not recorded\nnormal\n" and streams.err() == ""
    assert chunks(cap.builder) == [(0, "stdout", "normal\n", "")]


def test_bad_mode_and_budget() -> None:
    with pytest.raises(UsageError):
        IOCapture("off", TraceBuilder(), Clock())
    with pytest.raises(UsageError):
        IOCapture("proxies", TraceBuilder(), Clock(), budget=-1)


# -- transparency -------------------------------------------------------------------------
class FancyStream(io.StringIO):
    """Stands in for ipykernel's OutStream: extra attributes, methods and a property."""

    def __init__(self) -> None:
        super().__init__()
        self.session = "S"
        self.echo = None
        self._parent = {}

    def _is_master_process(self) -> bool:
        return True

    def set_parent(self, parent: dict[str, str]) -> None:
        self._parent = parent

    @property
    def parent_header(self) -> dict[str, str]:
        return self._parent

    @parent_header.setter
    def parent_header(self, value: dict[str, str]) -> None:
        self._parent = value


def test_proxy_is_transparent(monkeypatch: pytest.MonkeyPatch) -> None:
    real = FancyStream()
    monkeypatch.setattr(sys, "stdout", real)
    with capturing() as (cap, _):
        proxy = sys.stdout
        assert proxy is not real
        assert isinstance(proxy, FancyStream) and isinstance(proxy, io.StringIO)
        assert proxy.session == "S" and proxy.echo is None and proxy._is_master_process()
        proxy.set_parent({"msg_id": "1"})
        assert real.parent_header == {"msg_id": "1"}
        proxy.parent_header = {"msg_id": "2"}  # assignment reaches the real stream
        assert real.parent_header == {"msg_id": "2"}
        proxy.softspace = 0  # IPython's softspace() dance
        assert real.softspace == 0
        assert repr(proxy) == repr(real)
        assert "set_parent" in dir(proxy)
        with pytest.raises(AttributeError):
            proxy.no_such_attribute  # noqa: B018
        assert proxy.writable() and not proxy.closed
        print("ok")
    assert real.getvalue() == "ok\n"
    assert chunks(cap.builder) == [(0, "stdout", "ok\n", "")]


def test_write_can_be_patched_on_the_proxy_like_ipython9_does(streams: Streams) -> None:
    """IPython 9's run_cell does ``sys.stdout.write = wrapper`` (its _tee); that must work."""
    seen: list[str] = []
    with capturing() as (cap, _):
        stream = sys.stdout
        original_write = stream.write

        def tee(data: str) -> int:
            seen.append(data)
            return original_write(data)

        stream.write = tee
        print("teed")
        stream.write = original_write
        print("plain")
    assert seen == ["teed", "\n"]
    assert streams.out() == "teed\nplain\n"
    assert chunks(cap.builder) == [(0, "stdout", "teed\nplain\n", "")]


def test_real_stream_write_patched_before_the_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """IPython patched the real stream's write before the magic started recording."""
    seen: list[str] = []
    real = FancyStream()
    monkeypatch.setattr(sys, "stdout", real)
    original = real.write
    real.write = lambda data: (seen.append(data), original(data))[1]  # type: ignore[method-assign]
    try:
        with capturing() as (cap, _):
            print("both")
    finally:
        del real.write
    assert real.getvalue() == "both\n"
    assert seen == ["both", "\n"]
    assert chunks(cap.builder) == [(0, "stdout", "both\n", "")]


# -- budget -------------------------------------------------------------------------------
def test_huge_output_keeps_head_and_tail(streams: Streams) -> None:
    budget = 10_000
    line = "0123456789" * 9 + "abcdefgh\n"  # 99 chars
    with capturing(budget=budget) as (cap, clock):
        for i in range(20_000):  # about 2 MB through one stream
            clock.step = i // 100
            sys.stdout.write(line)
        big = "B" * 3_000_000
        clock.step = 10_000
        sys.stdout.write(big)  # one write far larger than the budget
        print("the end")
    total = 20_000 * len(line) + len(big) + len("the end\n")
    assert len(streams.out()) == total  # live output is never dropped
    rows = chunks(cap.builder)
    kept = sum(len(r[2]) for r in rows)
    assert kept + cap.builder.io_dropped["stdout"] == total
    assert kept <= budget
    assert sum(len(r[2]) + CHUNK_COST for r in rows) <= budget + 2 * CHUNK_COST
    head = "".join(r[2] for r in rows if "cut" not in r[3] and r[0] < 10_000)
    assert streams.out().startswith(head) and len(head) >= budget // 2 - 6 * CHUNK_COST
    assert rows[0][0] == 0 and rows[-1] == (10_000, "stdout", rows[-1][2], rows[-1][3])
    assert rows[-1][2].endswith("B" * 100 + "the end\n")
    assert "cut" in next(r for r in rows if r[0] == 10_000)[3]
    assert [r[3] for r in rows].count("cut") == 1


def test_budget_is_per_stream_and_counts_only_dropped_text(streams: Streams) -> None:
    with capturing(budget=400) as (cap, clock):
        for i in range(100):
            clock.step = i
            print("e" * 10, file=sys.stderr)
        print("small")
    assert cap.builder.io_dropped.get("stdout", 0) == 0
    rows = chunks(cap.builder)
    assert ("stdout" in [r[1] for r in rows]) and rows[-1][2] == "small\n"
    err = [r for r in rows if r[1] == "stderr"]
    assert sum(len(r[2]) for r in err) + cap.builder.io_dropped["stderr"] == 1100
    steps = [r[0] for r in err]
    assert steps[0] == 0 and steps[-1] == 99 and steps == sorted(steps)


def test_zero_budget_records_nothing_but_counts(streams: Streams) -> None:
    with capturing(budget=0) as (cap, _):
        print("abc")
    assert chunks(cap.builder) == [] and cap.builder.io_dropped == {"stdout": 4}
    assert streams.out() == "abc\n"


# -- threads and failures -------------------------------------------------------------------
def test_other_threads_are_live_and_flagged(streams: Streams) -> None:
    with capturing() as (cap, clock):
        clock.step = 3
        t = threading.Thread(target=lambda: print("from a thread"))
        t.start()
        t.join()
        print("main")
    assert streams.out() == "from a thread\nmain\n"
    assert chunks(cap.builder) == [(3, "stdout", "from a thread\n", "thread"),
                                   (3, "stdout", "main\n", "")]


def test_many_threads_writing_lose_nothing(streams: Streams) -> None:
    def work(k: int) -> None:
        for i in range(200):
            sys.stdout.write(f"{k}:{i}\n")

    with capturing() as (cap, _):
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    recorded = "".join(c[2] for c in chunks(cap.builder))
    assert sorted(recorded.splitlines()) == sorted(streams.out().splitlines())
    assert len(recorded.splitlines()) == 800


def test_recorder_bug_raises_when_testing(streams: Streams) -> None:
    def broken() -> int:
        raise RuntimeError("step_of is broken")

    cap = IOCapture("proxies", TraceBuilder(), broken)
    cap.start()
    try:
        with pytest.raises(RuntimeError, match="step_of is broken"):
            print("x")
    finally:
        cap.stop()
    assert streams.out() == "x"  # the write itself went through first


def test_recorder_bug_fails_soft_for_users(streams: Streams,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "TESTING", False)
    calls = []

    def broken() -> int:
        calls.append(1)
        raise RuntimeError("step_of is broken")

    builder = TraceBuilder()
    cap = IOCapture("proxies", builder, broken)
    cap.start()
    try:
        print("still printed")
        print("and this")
    finally:
        cap.stop()
    assert streams.out() == "still printed\nand this\n"
    assert len(calls) == 1  # capture switched itself off after the first failure
    assert builder.io_step.tolist() == []
    assert "step_of is broken" in str(builder.meta["io_error"])


def test_failing_real_stream_raises_like_without_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError("disk gone")

    monkeypatch.setattr(sys, "stdout", Closed())
    with capturing() as (cap, _), pytest.raises(OSError, match="disk gone"):
        print("x")
    assert chunks(cap.builder) == []


# -- through the recorder ---------------------------------------------------------------
def test_record_attributes_output_to_lines(streams: Streams, backend: str) -> None:
    streams.feed("Ada\n")
    trace = ct_jupyter.record(textwrap.dedent("""\
        import sys
        def greet(n):
            print("hello,", n)
            print("no newline yet", end="")
            print(" ... done")
            print("warning: low battery", file=sys.stderr)
        name = input("name? ")
        greet(name)
        for i in range(2):
            print(f"\\r{i}", end="")
        print()
        """), backend=backend, io="proxies")
    got = [(trace.step(c.step).line, c.stream, c.text, c.flags) for c in trace.io]
    assert got == [
        (7, "stdout", "name? ", "prompt"),
        (7, "stdin", "Ada\n", "input"),
        (3, "stdout", "hello, Ada\n", ""),
        (4, "stdout", "no newline yet", ""),
        (5, "stdout", " ... done\n", ""),
        (6, "stderr", "warning: low battery\n", ""),
        (10, "stdout", "\r0", ""),
        (10, "stdout", "\r1", ""),
        (11, "stdout", "\n", ""),
    ]
    assert streams.out() == "name? hello, Ada\nno newline yet ... done\n\r0\r1\n"
    assert streams.err() == "warning: low battery\n"
    assert trace.meta["io"] == "proxies"


def test_exception_mid_print_keeps_output_and_restores(streams: Streams, backend: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        print("partial", end="")
        print(1 / 0)
        print("never")
        """), backend=backend)
    assert trace.outcome is not None and trace.outcome.status == "raised"
    assert [(trace.step(c.step).line, c.text) for c in trace.io] == [(1, "partial")]
    assert streams.out() == "partial"


def test_keyboard_interrupt_restores_streams(streams: Streams) -> None:
    def body() -> None:
        print("working")
        raise KeyboardInterrupt

    before = streams.current()
    result = run_recorded(body, options=TraceOptions(io="proxies"))
    assert isinstance(result.error, KeyboardInterrupt)
    assert streams.current() == before
    assert [c.text for c in result.trace.io] == ["working\n"]


def test_io_off_records_nothing(streams: Streams) -> None:
    trace = ct_jupyter.record("print('quiet')", io="off")
    assert trace.io == [] and streams.out() == "quiet\n"


def test_env_variable_selects_the_mode(streams: Streams, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODETRACER_CAPTURE_IO", "0")
    assert ct_jupyter.record("print('a')").io == []
    monkeypatch.setenv("CODETRACER_CAPTURE_IO", "proxies")
    assert [c.text for c in ct_jupyter.record("print('b')").io] == ["b\n"]


# -- in-process IPython -----------------------------------------------------------------------
@pytest.fixture
def shell() -> Any:
    _need("IPython", "ipython")
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def test_ipython_run_cell_inside_a_recording(shell: Any, streams: Streams) -> None:
    """The CodeTracer proxy makes IPython 9's run_cell fail; ours must not."""
    builder = TraceBuilder()
    before = streams.current()
    cap = IOCapture("proxies", builder, Clock())
    cap.start()
    try:
        result = shell.run_cell("print('from a cell')\n1/0", store_history=True)
    finally:
        cap.stop()
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert streams.current() == before
    text = "".join(builder.io_text)
    assert text.startswith("from a cell\n") and "ZeroDivisionError" in text
    assert streams.out().startswith("from a cell\n")


def test_recording_inside_run_cell_keeps_ipython_output_history(shell: Any,
                                                                streams: Streams) -> None:
    shell.user_ns["ct_IOCapture"], shell.user_ns["ct_TraceBuilder"] = IOCapture, TraceBuilder
    result = shell.run_cell(textwrap.dedent("""\
        ct_b = ct_TraceBuilder()
        ct_cap = ct_IOCapture("proxies", ct_b, lambda: 0)
        ct_cap.start()
        try:
            print("inside the cell")
        finally:
            ct_cap.stop()
        """), store_history=True)
    assert result.success
    builder = shell.user_ns["ct_b"]
    assert chunks(builder) == [(0, "stdout", "inside the cell\n", "")]
    assert streams.out() == "inside the cell\n"
    outputs = getattr(shell.history_manager, "outputs", None)
    if outputs is not None:  # IPython 9 keeps stream output per execution count
        texts = ["".join(o.bundle["stream"]) for o in outputs[shell.execution_count - 1]
                 if o.output_type == "out_stream"]
        assert texts == ["inside the cell\n"]


# -- subprocesses: terminal IPython and the fd mirror ----------------------------------------
def run_python(code: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("CODETRACER_CAPTURE_IO", None)
    return subprocess.run([sys.executable, *args, "-c", code], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, cwd=ROOT, check=False)


FD_SCRIPT = textwrap.dedent("""\
    import json, os, subprocess, sys
    from ct_jupyter.core import recorder
    recorder.TESTING = True
    from ct_jupyter.model.builder import TraceBuilder
    from ct_jupyter.core.io_capture import IOCapture
    step = [0]
    b = TraceBuilder()
    cap = IOCapture("proxies+fd", b, lambda: step[0])
    cap.start()
    print("python print")
    sys.stdout.flush()
    os.write(1, b"raw fd write\\n")
    print("second print")
    sys.stdout.buffer.write(b"via the buffer\\n")
    sys.stdout.flush()
    child = "import sys; sys.stdout.write('child\\\\n'); sys.stderr.write('child err\\\\n')"
    subprocess.run([sys.executable, "-c", child])
    print("err print", file=sys.stderr)
    os.write(2, b"raw err\\n")
    print("last")
    cap.stop()
    sys.stdout.flush()
    chunks = list(zip(b.io_stream, b.io_text, b.io_flags))
    with open(os.environ["CT_OUT"], "w") as f:
        json.dump({"chunks": chunks, "meta": b.meta.get("io_error")}, f)
    """)


@pytest.mark.skipif(os.name != "posix", reason="the fd mirror is POSIX only")
def test_fd_mirror_records_bypassing_writes_once(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "chunks.json"
    monkeypatch.setenv("CT_OUT", str(out))
    proc = run_python(FD_SCRIPT)
    assert proc.returncode == 0, proc.stderr
    # live: everything appears once, in program order, on its own stream
    assert proc.stdout == "python print\nraw fd write\nsecond print\nvia the buffer\nchild\nlast\n"
    assert proc.stderr == "child err\nerr print\nraw err\n"
    data = json.loads(out.read_text())
    assert data["meta"] is None
    got = [tuple(c) for c in data["chunks"]]
    by_stream = {s: "".join(t for st, t, _ in got if st == s) for s in ("stdout", "stderr")}
    assert by_stream["stdout"] == \
        "python print\nraw fd write\nsecond print\nvia the buffer\nchild\nlast\n"
    assert by_stream["stderr"] == "child err\nerr print\nraw err\n"
    fd_only = sorted(t for _, t, f in got if "fd" in f.split(","))
    assert fd_only == sorted(["raw fd write\n", "child\n", "child err\n", "raw err\n"])


LATE_CHILD = textwrap.dedent("""\
    import subprocess, sys
    from ct_jupyter.core import recorder
    recorder.TESTING = True
    from ct_jupyter.model.builder import TraceBuilder
    from ct_jupyter.core.io_capture import IOCapture
    b = TraceBuilder()
    cap = IOCapture("proxies+fd", b, lambda: 0)
    cap.start()
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read(); print('late child')"],
        stdin=subprocess.PIPE)
    print("recorded")
    cap.stop()
    assert child.poll() is None  # stop() did not wait for the child
    print("chunks", list(zip(b.io_text, b.io_flags)), flush=True)
    child.communicate(b"go")
    """)


@pytest.mark.skipif(os.name != "posix", reason="the fd mirror is POSIX only")
def test_fd_mirror_with_a_child_outliving_the_recording() -> None:
    proc = run_python(LATE_CHILD)
    assert proc.returncode == 0, proc.stderr
    # the child's output after the recording still appears (forwarded, not recorded)
    assert proc.stdout == "recorded\nchunks [('recorded\\n', '')]\nlate child\n"


@pytest.mark.skipif(os.name != "posix", reason="the fd mirror is POSIX only")
def test_fd_mirror_big_raw_write_is_bounded() -> None:
    code = textwrap.dedent("""\
        import os, sys
        from ct_jupyter.core import recorder
        recorder.TESTING = True
        from ct_jupyter.model.builder import TraceBuilder
        from ct_jupyter.core.io_capture import IOCapture
        b = TraceBuilder()
        cap = IOCapture("proxies+fd", b, lambda: 0, budget=1000)
        cap.start()
        os.write(1, b"a" * 300_000 + b"z\\n")  # far more than a pipe holds
        cap.stop()
        kept = "".join(b.io_text)
        sys.stderr.write(repr((len(kept), b.io_dropped, kept[-3:], b.io_flags.count("fd") > 0)))
        """)
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "a" * 300_000 + "z\n"
    kept, dropped, tail, fd = eval(proc.stderr)  # a repr of plain values
    assert kept + dropped["stdout"] == 300_002 and kept <= 1000
    assert tail == "az\n" and fd


ABRUPT_END = textwrap.dedent("""\
    import faulthandler, os
    if os.environ["CT_RECORD"] == "1":
        from ct_jupyter.model.builder import TraceBuilder
        from ct_jupyter.core.io_capture import IOCapture
        IOCapture("proxies+fd", TraceBuilder(), lambda: 0).start()
    print("printed", flush=True)
    os.write(1, b"raw out\\n" * 2000)   # more than the reader may have forwarded yet
    os.write(2, b"raw err\\n")
    if os.environ["CT_HOW"] == "exit":
        os._exit(7)
    faulthandler.enable()
    faulthandler._sigsegv()
    """)


@pytest.mark.skipif(os.name != "posix", reason="the fd mirror is POSIX only")
@pytest.mark.parametrize("how", ["exit", "crash"])
def test_fd_mirror_output_survives_an_abrupt_end(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes still in the mirror's pipe reach the terminal after os._exit or a crash."""
    monkeypatch.setenv("CT_HOW", how)
    monkeypatch.setenv("CT_RECORD", "0")
    plain = run_python(ABRUPT_END)
    monkeypatch.setenv("CT_RECORD", "1")
    proc = run_python(ABRUPT_END)
    assert proc.returncode == plain.returncode == (7 if how == "exit" else -11)
    assert proc.stdout == plain.stdout == "printed\n" + "raw out\n" * 2000
    assert "raw err\n" in proc.stderr
    if how == "crash":  # faulthandler's report, written to fd 2 as the process dies
        assert "Fatal Python error" in proc.stderr and "Fatal Python error" in plain.stderr


@pytest.mark.slow
def test_terminal_ipython_records_and_stays_live() -> None:
    _need("IPython", "ipython")
    code = textwrap.dedent("""\
        import ct_jupyter
        from ct_jupyter.core import recorder
        recorder.TESTING = True
        t = ct_jupyter.record("for i in range(3):\\n    print('line', i)\\nname = input('who? ')\\nprint('hi', name)")
        import sys
        sys.stderr.write(repr([(c.stream, c.text, c.flags) for c in t.io]) + "\\n")
        """)
    proc = run_python(code, "-m", "IPython", "--quick", "--no-banner", "--colors=nocolor",
                      "--simple-prompt", stdin="Grace\n")
    assert proc.returncode == 0, proc.stderr
    assert "line 0\nline 1\nline 2\nwho? hi Grace\n" in proc.stdout
    assert repr([("stdout", "line 0\n", ""), ("stdout", "line 1\n", ""),
                 ("stdout", "line 2\n", ""), ("stdout", "who? ", "prompt"),
                 ("stdin", "Grace\n", "input"), ("stdout", "hi Grace\n", "")]) in proc.stderr
