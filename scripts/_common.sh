# Shared helpers for scripts/test and scripts/tour (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${CT_JUPYTER_VENVS:-$ROOT/.venvs}"

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
  local want; want="$(cat "$ROOT/pyproject.toml" | sha1sum | cut -c1-12)-$extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing ct_jupyter[$extras] into $venv"
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
