#!/usr/bin/env bash
# Set up everything qms needs on a Debian/Ubuntu machine: the Debian packages that
# weasyprint (PDF) and the test suite (PostgreSQL, pdftotext) need, then a virtual
# environment in .venv with qms installed in editable mode.
#   scripts/bootstrap.sh          runtime only (make demo)
#   scripts/bootstrap.sh test     runtime + test tools (make test)
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-runtime}"

debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)
if [ "$want" = test ]; then
  # LibreOffice prints the Excel reports in the tests (page setup as a person sees it);
  # chromium: the web workspace's end-to-end tests (Playwright drives it).
  debs+=(postgresql libreoffice-calc-nogui chromium)
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  debs+=(python3-venv)
fi

missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "qms: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "qms: please install these Debian packages as root: ${missing[*]}" >&2
    exit 1
  fi
fi

stamp=.venv/.qms-installed-$want
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$0" -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  if [ "$want" = test ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi
# qms is installed editable, so pip compiles none of its modules: compile them here
# (only the changed ones), or every command compiles them again where bytecode
# writing is off (PYTHONDONTWRITEBYTECODE), about 0.1 s of CPU per start.
.venv/bin/python -m compileall -q src >/dev/null
