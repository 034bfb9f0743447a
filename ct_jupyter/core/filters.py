"""Decides, once per code object, whether it is the user's code (stepped into) or not."""

from __future__ import annotations

import fnmatch
import functools
import os
import site
import sys
import sysconfig
from collections.abc import Callable, Iterable
from types import CodeType

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


#: ``os.path.realpath`` of code objects' file names, remembered for the process: each recording
#: classifies a dozen code objects of its own harness and the standard library, and resolving
#: their paths again each time was half of a recording's fixed cost.
_realpath = functools.lru_cache(maxsize=8192)(os.path.realpath)


@functools.cache  # ~5 ms of sysconfig and realpath work: once per process, not per recording
def _system_roots() -> tuple[str, ...]:
    roots: set[str] = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(os.path.realpath(path))
    for path in [*getattr(site, "getsitepackages", list)(), site.getusersitepackages()]:
        if path:
            roots.add(os.path.realpath(path))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(sorted(root.rstrip(os.sep) + os.sep for root in roots))


def _is_path_pattern(pattern: str) -> bool:
    return "/" in pattern or os.sep in pattern or pattern.endswith(".py")


class CodeFilter:
    """Classifies code objects as user code or not, from explicit files, patterns and places.

    Order of rules: ct_jupyter's own code is never user code; the explicit user files always
    are; then exclude patterns, include patterns, the ``is_user_file`` hook; synthetic names
    (``<string>``) are not; the standard library and site-packages are not; other files under
    the working directory are.
    """

    def __init__(
        self,
        user_files: Iterable[str] = (),
        *,
        is_user_file: Callable[[str], bool] | None = None,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        cwd: str | None = None,
        scope: Callable[[str, str, str, bool], bool] | None = None,
    ) -> None:
        self.user_files = set(user_files)
        self.is_user_file = is_user_file
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.cwd = os.path.realpath(cwd or os.getcwd()).rstrip(os.sep) + os.sep
        self.system_roots = _system_roots()
        self.scope = scope
        self.gate: Callable[[CodeType, str, bool], bool] | None = None
        self._cache: dict[tuple[str, str, str], bool] = {}

    def add_file(self, filename: str) -> None:
        """Treat ``filename`` as user code from now on."""
        self.user_files.add(filename)
        self._cache.clear()

    def is_user(self, code: CodeType, module: str = "") -> bool:
        """Return True when ``code`` (in module ``module``) should be stepped into.

        With a ``scope`` (the trace-filter chain), its rules may override the decision per
        code object (``obj:`` selectors need the qualified name), except that ct_jupyter's own
        code is never stepped into.
        """
        qualname = getattr(code, "co_qualname", code.co_name) if self.scope is not None else ""
        key = (code.co_filename, module, qualname)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._decide(code.co_filename, module)
            if self.scope is not None and not self._is_own(code.co_filename, module):
                hit = self.scope(code.co_filename, module, qualname, hit)
            self._cache[key] = hit
        if self.gate is not None:  # recording only some calls: decided per call, not cached
            return self.gate(code, module, hit)
        return hit

    def is_system(self, filename: str) -> bool:
        """Return True for files of the standard library and site-packages."""
        if filename.startswith("<") or not os.path.isabs(filename):
            return False
        return _realpath(filename).startswith(self.system_roots)

    def _is_own(self, filename: str, module: str) -> bool:
        real = _realpath(filename) if not filename.startswith("<") else filename
        return real.startswith(_PACKAGE_DIR + os.sep) or module.split(".")[0] == "ct_jupyter"

    def _matches(self, patterns: tuple[str, ...], filename: str, module: str) -> bool:
        for pattern in patterns:
            if _is_path_pattern(pattern):
                if fnmatch.fnmatch(filename, pattern) or fnmatch.fnmatch(
                        filename, os.path.join(self.cwd, pattern)):
                    return True
            elif module and (fnmatch.fnmatchcase(module, pattern)
                             or module.startswith(pattern + ".")):
                return True
        return False

    def _decide(self, filename: str, module: str) -> bool:
        if filename in self.user_files:
            return True
        real = _realpath(filename) if not filename.startswith("<") else filename
        if real.startswith(_PACKAGE_DIR + os.sep) or module.split(".")[0] == "ct_jupyter":
            return False
        if self._matches(self.exclude, real, module):
            return False
        if self._matches(self.include, real, module):
            return True
        if self.is_user_file is not None:
            try:
                if self.is_user_file(filename):
                    return True
            except Exception:  # a hook that fails must not break recording
                pass
        if filename.startswith("<") or not os.path.isabs(filename):
            return False  # synthetic, or relative (Cython and frozen modules): not a user file
        if real.startswith(self.system_roots):
            return False
        return real.startswith(self.cwd)
