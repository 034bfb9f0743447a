"""Untrusted trace folders are data (issue 8 §3): `load` and `validate` read only inside the
folder, refuse FIFOs and devices without hanging, and every malformed input gives a
`CodetraceError` (load) or a report (validate) — never another exception.

The last test is a seeded fuzz run: hundreds of mutations of valid folders (ours and the
CodeTracer recorder's) — truncations, wrong types, ids out of range, huge and deep values, bad
encodings, absolute paths, symbolic links, FIFOs."""

from __future__ import annotations

import faulthandler
import json
import os
import pathlib
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.codetracer import export, load
from ct_jupyter.codetracer.validate import validate
from ct_jupyter.errors import CodetraceError
from tests.test_export_codetracer import REFERENCE

SECRET = "TOP-SECRET-7f3a"
HAS_FIFO = hasattr(os, "mkfifo")


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """A hang is a failure: dump the stacks and end the run rather than block CI forever."""
    faulthandler.dump_traceback_later(240, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture()
def secret(tmp_path: pathlib.Path) -> pathlib.Path:
    """A local file outside every trace folder that must never be read."""
    path = tmp_path / "outside" / "secret.py"
    path.parent.mkdir()
    path.write_text(f"password = '{SECRET}'\n")
    return path


def _ours(tmp_path: pathlib.Path, name: str = "ours") -> pathlib.Path:
    trace = ct_jupyter.record("def f(n):\n    return [n] * n\nxs = f(3)\nprint(xs)\n",
                              io="off")
    return export(trace, tmp_path / name)


def _events(folder: pathlib.Path) -> list[Any]:
    return json.loads((folder / "trace.json").read_text())


def _write_events(folder: pathlib.Path, events: list[Any]) -> None:
    (folder / "trace.json").write_text(json.dumps(events))


def _load_outcome(folder: pathlib.Path) -> ct_jupyter.Trace | CodetraceError:
    """Load ``folder``; a CodetraceError is a fine answer, anything else fails the test."""
    try:
        return load(folder)
    except CodetraceError as exc:
        assert exc.code.startswith("ERR_")
        return exc


def _no_secret(result: ct_jupyter.Trace | CodetraceError) -> None:
    if isinstance(result, ct_jupyter.Trace):
        assert not any(SECRET in text for text in result.sources.values())
    else:
        assert SECRET not in str(result)


# -- reading only inside the folder ------------------------------------------------------------
def test_absolute_paths_never_read_local_files(tmp_path: pathlib.Path,
                                               secret: pathlib.Path) -> None:
    folder = _ours(tmp_path)
    events = _events(folder)
    events[0] = {"Path": str(secret)}  # the recorded script is now "the secret"
    _write_events(folder, events)
    meta = json.loads((folder / "trace_metadata.json").read_text())
    meta["ct_jupyter"]["paths"] = [[str(secret), str(secret), None]]
    (folder / "trace_metadata.json").write_text(json.dumps(meta))
    (folder / "trace_paths.json").write_text(json.dumps([str(secret)]))
    trace = load(folder)
    _no_secret(trace)
    assert trace.sources.get(str(secret)) is None
    # ... and exporting what was loaded does not copy the local file either
    again = export(trace, tmp_path / "again")
    assert not any(SECRET in p.read_text() for p in again.rglob("*") if p.is_file())
    # a folder of our own carrying that path in files/ shows its own copy, not the local file
    own = folder / "files" / secret.relative_to("/")
    own.parent.mkdir(parents=True)
    own.write_text("mine = 1\n")
    assert load(folder).sources[str(secret)] == "mine = 1\n"


@pytest.mark.parametrize("link", ["file", "folder", "parent-escape"])
def test_symlinks_leaving_the_folder_are_not_followed(tmp_path: pathlib.Path,
                                                      secret: pathlib.Path, link: str) -> None:
    folder = _ours(tmp_path)
    script = next(p for p in (folder / "files").rglob("*") if p.is_file())
    if link == "file":
        script.unlink()
        script.symlink_to(secret)
    elif link == "folder":
        shutil.rmtree(folder / "files")
        (folder / "files").symlink_to(secret.parent, target_is_directory=True)
        target = folder / "files" / script.relative_to(folder / "files")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(secret)
    else:
        script.unlink()
        script.symlink_to(os.path.relpath(secret, script.parent))
    trace = load(folder)
    _no_secret(trace)
    assert validate(folder).ok


@pytest.mark.parametrize("name", ["trace.json", "trace_metadata.json", "trace_paths.json"])
def test_side_and_event_files_that_link_outside_are_refused(tmp_path: pathlib.Path,
                                                            name: str) -> None:
    folder = _ours(tmp_path)
    outside = tmp_path / f"outside-{name}"
    shutil.move(folder / name, outside)
    (folder / name).symlink_to(outside)
    if name != "trace_paths.json":  # load does not read the paths file
        with pytest.raises(CodetraceError) as info:
            load(folder)
        assert info.value.code == "ERR_TRACE_UNSAFE_FILE"
    report = validate(folder)
    assert not report.ok and any("outside the trace folder" in str(p) for p in report.errors)
    # a link that stays inside the folder is fine
    (folder / name).unlink()
    shutil.move(outside, folder / f"real-{name}")
    (folder / name).symlink_to(f"real-{name}")
    load(folder)
    assert validate(folder).ok


@pytest.mark.skipif(not HAS_FIFO, reason="needs os.mkfifo")
@pytest.mark.parametrize("name", ["trace.json", "trace_metadata.json", "trace_paths.json",
                                  "source"])
def test_fifos_are_refused_without_hanging(tmp_path: pathlib.Path, name: str) -> None:
    folder = _ours(tmp_path)
    path = next(p for p in (folder / "files").rglob("*") if p.is_file()) if name == "source" \
        else folder / name
    path.unlink()
    os.mkfifo(path)
    if name == "source":
        trace = load(folder)  # the source is simply missing
        assert not trace.sources
    elif name != "trace_paths.json":
        with pytest.raises(CodetraceError) as info:
            load(folder)
        assert info.value.code == "ERR_TRACE_UNSAFE_FILE" and "FIFO" in info.value.message
    report = validate(folder)
    assert report.ok == (name == "source")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_never_read(tmp_path: pathlib.Path) -> None:
    folder = _ours(tmp_path)
    (folder / "trace.json").unlink()
    (folder / "trace.json").symlink_to("/dev/zero")
    with pytest.raises(CodetraceError):
        load(folder)
    assert not validate(folder).ok


# -- malformed input: always a typed error ------------------------------------------------------
def _int_digits(n: int) -> str:
    return "1" * n


@pytest.mark.parametrize("where", ["trace.json", "trace_metadata.json", "trace_paths.json"])
def test_a_5000_digit_integer_is_a_typed_error(tmp_path: pathlib.Path, where: str) -> None:
    folder = _ours(tmp_path)
    text = (folder / where).read_text()
    if where == "trace.json":
        text = text.replace('"line":1', '"line":' + _int_digits(5000), 1)
    elif where == "trace_metadata.json":
        text = text.replace('"args":[]', '"args":' + _int_digits(5000), 1)
    else:
        text = "[" + _int_digits(5000) + "]"
    (folder / where).write_text(text)
    if where != "trace_paths.json":
        with pytest.raises(CodetraceError):
            load(folder)
    assert not validate(folder).ok


@pytest.mark.parametrize("depth", [400, 5000])
def test_deeply_nested_values_are_typed_errors(tmp_path: pathlib.Path, depth: int) -> None:
    folder = _ours(tmp_path)
    events = _events(folder)
    n_types = sum(1 for e in events if isinstance(e, dict) and "Type" in e)
    deep = '{"kind":"None","type_id":0}'
    for _ in range(depth):
        deep = '{"kind":"Sequence","type_id":0,"elements":[' + deep + ']}'
    assert n_types >= 1
    step = next(i for i, e in enumerate(events) if isinstance(e, dict) and "Step" in e
                and i > 3)
    text = json.dumps(events[:step + 1])[:-1] + ',{"VariableName":"deep"},{"Value":' \
        '{"variable_id":' + str(sum(1 for e in events if isinstance(e, dict)
                                    and "VariableName" in e)) \
        + ',"value":' + deep + '}},' + json.dumps(events[step + 1:])[1:]
    (folder / "trace.json").write_text(text)
    with pytest.raises(CodetraceError):
        load(folder)
    report = validate(folder)
    assert not report.ok


# -- the fuzz run -----------------------------------------------------------------------------
NASTY = [
    "null", "true", "-1", "0", "1.5", "1e400", '"x"', "[]", "{}", '"\\ud800"',
    "9223372036854775808", "-9223372036854775809", "2147483648", _int_digits(5000),
    '"' + "a" * (1 << 20) + '"', "[" * 400 + "]" * 400, "[" * 3000 + "]" * 3000,
    '{"kind":"Int","i":' + _int_digits(5000) + '}',
    '{"kind":"BigInt","b":"' + "A" * 40000 + '","negative":true}',
    '{"kind":"Raw","r":"b\'' + "\\\\x00" * 1000 + '\'","type_id":0}',
    '{"kind":"Variant","discriminator":"mro","contents":{"kind":"Int","i":1}}',
    '{"kind":"Struct","field_values":[{"kind":"Cell","place":' + _int_digits(4000) + '}]}',
    '"/etc/passwd"', '"../../outside/secret.py"', '"/proc/self/environ"',
]
_MARK = "\u0000NASTY\u0000"


def _random_path(rng: random.Random, node: Any) -> tuple[Any, ...]:
    """Walk down from the root to a random node (each level: stop here or go on)."""
    path: tuple[Any, ...] = ()
    while isinstance(node, (dict, list)) and node and (not path or rng.random() < 0.75):
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path, node = (*path, key), node[key]
    return path


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


def _mutate_json(rng: random.Random, data: Any) -> str:
    """Replace one random node of ``data`` with a nasty JSON text (or an id out of range)."""
    path = _random_path(rng, data)
    if path and isinstance(path[-1], str) and path[-1].endswith("_id") and rng.random() < 0.5:
        raw = str(rng.choice([10**6, -5, 2**63, 2**64 + 7]))
    else:
        raw = rng.choice(NASTY)
    return json.dumps(_replace(data, path, _MARK)).replace(json.dumps(_MARK), raw, 1)


def _file_mutations(secret: pathlib.Path) -> list[Callable[[random.Random, pathlib.Path], None]]:
    def truncate(rng: random.Random, f: pathlib.Path) -> None:
        data = f.read_bytes()
        f.write_bytes(data[:rng.randrange(len(data) + 1)])

    def flip(rng: random.Random, f: pathlib.Path) -> None:
        data = bytearray(f.read_bytes())
        for _ in range(rng.randint(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        f.write_bytes(bytes(data))

    def encoding(rng: random.Random, f: pathlib.Path) -> None:
        text = f.read_bytes().decode("utf-8", "replace")
        f.write_bytes(rng.choice([b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"),
                                  text.encode()[:10] + b"\xff\xfe\xc0\x80" + text.encode()[10:],
                                  text.encode("latin-1", "replace").replace(b"i", b"\xe9")]))

    def tree(rng: random.Random, f: pathlib.Path) -> None:
        try:
            data = json.loads(f.read_bytes())
        except (ValueError, RecursionError):  # already broken by an earlier mutation
            truncate(rng, f)
            return
        f.write_text(_mutate_json(rng, data))

    def swap(rng: random.Random, f: pathlib.Path) -> None:
        f.unlink()
        kind = rng.choice(["link-out", "folder", "fifo", "missing", "empty", "dev"])
        if kind == "link-out":
            f.symlink_to(secret)
        elif kind == "folder":
            f.mkdir()
        elif kind == "fifo" and HAS_FIFO:
            os.mkfifo(f)
        elif kind == "dev" and os.path.exists("/dev/zero"):
            f.symlink_to("/dev/zero")
        elif kind == "empty":
            f.write_bytes(b"")

    return [truncate, flip, encoding, tree, tree, tree, swap]


def _source_mutation(rng: random.Random, folder: pathlib.Path, secret: pathlib.Path) -> None:
    sources = [p for p in (folder / "files").rglob("*") if p.is_file()]
    if not sources:
        return
    src = rng.choice(sources)
    src.unlink()
    kind = rng.choice(["link-out", "fifo", "huge", "binary"])
    if kind == "link-out":
        src.symlink_to(secret)
    elif kind == "fifo" and HAS_FIFO:
        os.mkfifo(src)
    elif kind == "huge":
        src.write_bytes(b"x = 1\n" * 2_000_000)
    else:
        src.write_bytes(bytes(range(256)) * 8)


def test_fuzzed_folders_give_typed_errors_or_reports(tmp_path: pathlib.Path,
                                                     secret: pathlib.Path) -> None:
    rng = random.Random(20261204)
    seeds = [_ours(tmp_path / "seeds", "ours")]
    for ref in ("basics", "io_streams", "exceptions", "generators"):
        dest = tmp_path / "seeds" / ref
        shutil.copytree(REFERENCE / ref, dest)
        seeds.append(dest)
    mutations = _file_mutations(secret)
    counts = {"loaded": 0, "refused": 0, "valid": 0, "invalid": 0}
    for n in range(200):
        folder = tmp_path / f"m{n}"
        seed = rng.choice(seeds)
        shutil.copytree(seed, folder, symlinks=True)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if rng.random() < 0.12:
                _source_mutation(rng, folder, secret)
                continue
            name = rng.choice(["trace.json"] * 4 + ["trace_metadata.json", "trace_paths.json"])
            f = folder / name
            if f.is_file() and not f.is_symlink():
                rng.choice(mutations)(rng, f)
        result = _load_outcome(folder)
        _no_secret(result)
        counts["loaded" if isinstance(result, ct_jupyter.Trace) else "refused"] += 1
        # the JSON Schema check is slow (jsonschema in pure Python): run it on every 20th
        report = validate(folder, max_problems=5, schema=n % 20 == 0)
        assert not any(SECRET in str(p) for p in report.problems)
        counts["valid" if report.ok else "invalid"] += 1
        if isinstance(result, CodetraceError) and result.code == "ERR_TRACE_UNSAFE_FILE":
            assert not report.ok
        shutil.rmtree(folder)
    # the run exercised both sides (the mutations are not all caught by one early check)
    assert counts["refused"] > 60 and counts["loaded"] > 15 and counts["invalid"] > 60, counts


def test_int_digit_limit_is_the_interpreters(tmp_path: pathlib.Path) -> None:
    """The 5000-digit case holds whatever the limit is set to (0 = no limit, CPython 3.11+)."""
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int digit limit on this Python")
    folder = _ours(tmp_path)
    text = (folder / "trace.json").read_text().replace('"line":1', '"line":' + "7" * 5000, 1)
    (folder / "trace.json").write_text(text)
    saved = sys.get_int_max_str_digits()
    try:
        for limit in (0, 640):
            sys.set_int_max_str_digits(limit)
            _no_secret(_load_outcome(folder))
            validate(folder)
    finally:
        sys.set_int_max_str_digits(saved)
