# Shared helpers for scripts/test and scripts/tour (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${CT_JUPYTER_VENVS:-$ROOT/.venvs}"

#: Python versions ct_jupyter supports (and tests).
SUPPORTED_PYTHONS="3.11 3.12 3.13"
#: Oldest Node.js major the JS tests run on (happy-dom needs 20).
NODE_MAJOR=20

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# find_python 3.12 -> prints the path of a CPython 3.12 interpreter, or nothing.
find_python() {
  local want="$1" cand
  local -a cands=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    local proot; proot="$(pyenv root)"
    # newest patch release first
    while IFS= read -r cand; do cands+=("$cand"); done < <(ls -d "$proot"/versions/"$want".*/bin/python 2>/dev/null | sort -V -r)
  fi
  cands+=("/usr/bin/python$want" "/usr/local/bin/python$want" "$HOME/.local/bin/python$want")
  for cand in "${cands[@]}"; do
    if command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ]; then
      # pyenv shims exist for every version but only run the selected one: ask the interpreter.
      if "$cand" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1; then
        command -v "$cand" 2>/dev/null || echo "$cand"
        return 0
      fi
    fi
  done
  return 1
}

# pip_quiet ARGS... -> runs pip, hiding only the index-location warnings some machines print.
pip_quiet() {
  local py="$1"; shift
  local out rc=0
  out="$("$py" -m pip "$@" 2>&1)" || rc=$?
  printf '%s\n' "$out" | grep -v -E "^WARNING: Location '.*' is ignored" | grep -v '^$' >&2 || true
  return $rc
}

# ensure_venv 3.12 "extras" -> creates/updates $VENVS/py312 with the project installed; prints its python.
ensure_venv() {
  local ver="$1" extras="$2" py venv stamp
  venv="$VENVS/py${ver//./}"
  py="$(find_python "$ver")" || die "Python $ver was not found. Install CPython $ver (e.g. 'pyenv install $ver' or your OS package python$ver) or set CT_JUPYTER_PYTHONS to the versions you have (e.g. CT_JUPYTER_PYTHONS='3.12')."
  if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv from $py"
    "$py" -m venv "$venv"
    pip_quiet "$venv/bin/python" install -q --upgrade pip
  fi
  stamp="$venv/.ct_jupyter-installed"
  # reinstall when the dependencies or the C core change (the editable install builds it)
  local want; want="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" "$ROOT"/ct_jupyter/core/_ccore*.[ch] | sha1sum | cut -c1-12)-$extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing ct_jupyter[$extras] into $venv"
    # An older install can leave an empty site-packages/ct_jupyter/ behind, which Python would
    # import as a namespace package ahead of the editable checkout: remove such leftovers.
    "$venv/bin/python" -c 'import pathlib, shutil, site
for d in site.getsitepackages():
    p = pathlib.Path(d) / "ct_jupyter"
    if p.is_dir() and not any(p.rglob("*.py")):
        shutil.rmtree(p)'
    pip_quiet "$venv/bin/python" install -q -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
  fi
  link_labextension "$venv"
  echo "$venv/bin/python"
}

# link_labextension VENV -> makes JupyterLab/Notebook 7 in VENV load the checkout's prebuilt
# extension (ct_jupyter/labextension, committed). An editable install skips setup.py's
# data_files, so link it where `pip install .` would copy it.
link_labextension() {
  local dest="$1/share/jupyter/labextensions/ct-jupyter-viewer"
  mkdir -p "$(dirname "$dest")"
  if [ -e "$dest" ] && [ ! -L "$dest" ]; then rm -rf "$dest"; fi
  ln -sfn "$ROOT/ct_jupyter/labextension" "$dest"
}

# check_supported_python 3.14 -> dies unless the version is one ct_jupyter supports.
check_supported_python() {
  case " $SUPPORTED_PYTHONS " in
    *" $1 "*) ;;
    *) die "Python $1 is not supported by ct_jupyter (supported: $SUPPORTED_PYTHONS). Set CT_JUPYTER_PYTHONS to some of those." ;;
  esac
}

# require_node -> dies unless node >= NODE_MAJOR and npm are on PATH.
require_node() {
  local how="Install Node.js $NODE_MAJOR or newer with npm (https://nodejs.org, or Debian 13: apt-get install nodejs npm; on older Debian/Ubuntu use NodeSource's nodejs $NODE_MAJOR.x)."
  command -v node >/dev/null 2>&1 || die "Node.js was not found; the JS tests need it. $how"
  command -v npm >/dev/null 2>&1 || die "npm was not found; the JS tests need it. $how"
  local major; major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$major" -ge "$NODE_MAJOR" ] 2>/dev/null || die "Node.js $(node --version 2>/dev/null) is too old; the JS tests need $NODE_MAJOR or newer. $how"
}
