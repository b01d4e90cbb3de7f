# Sourced by scripts/serve.sh and .ci/run: makes a Python >= 3.12 venv with the pinned requirements.
# Idempotent: a second run only checks. Usage: source scripts/setup.sh [runtime|dev]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
SETUP_MODE="${1:-dev}"

find_python() {
  local pyenv_root candidate
  pyenv_root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for candidate in "${PYTHON:-}" "$pyenv_root"/versions/3.13*/bin/python3 python3.13 \
      "$pyenv_root"/versions/3.12*/bin/python3 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "DeskAdmin needs Python >= 3.12 (set PYTHON=/path/to/python3)" >&2
  return 1
}

if ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  rm -rf .venv
  "$(find_python)" -m venv .venv
fi
requirements="requirements-dev.txt"
[ "$SETUP_MODE" = "runtime" ] && requirements="requirements.txt"
stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)-$SETUP_MODE"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages ($requirements)…"
  .venv/bin/python -m pip install -q -r "$requirements" 2>&1 | grep -v "^WARNING: Location 'file:" || true
  .venv/bin/python -c 'import django' && touch "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
