"""The committed front-end builds match js/src (a stale bundle would ship old viewer code)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "js" / "src"
STATIC = ROOT / "ct_jupyter" / "static"


def source_hash() -> str:
    """Return the hash js/build.mjs stamps into its outputs (same recipe)."""
    digest = hashlib.sha256()
    for path in sorted(SRC.rglob("*"), key=lambda p: p.relative_to(SRC).as_posix()):
        if path.is_file():
            digest.update(path.relative_to(SRC).as_posix().encode() + b"\n")
            digest.update(path.read_bytes())
            digest.update(b"\n")
    return digest.hexdigest()[:16]


def stamp(text: str) -> str | None:
    """Return the ``source-hash`` stamped in a built file, or None."""
    found = re.search(r"source-hash: ([0-9a-f]{16})", text)
    return found.group(1) if found else None


def test_anywidget_bundle_is_built_from_the_current_sources():
    expected = source_hash()
    for name in ("widget.js", "widget.css"):
        built = (STATIC / name).read_text(encoding="utf-8")
        assert stamp(built) == expected, (
            f"ct_jupyter/static/{name} is stale: run `npm run build` in js/ and commit the result")


def test_bundle_is_one_module_without_imports():
    """anywidget loads one ESM file: the bundle must not import anything (offline, no CDN)."""
    js = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert not re.search(r"^\s*import\s", js, re.M)
    assert "export default" in js or "export {" in js
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
