#!/usr/bin/env bash
# Create the project's virtualenv with a working pip, on any machine with Python 3.11+.
# Debian's python3 ships without ensurepip (python3-venv is a separate package); then the venv is made
# without pip and pip's own wheel is fetched from PyPI and installed into it.
set -euo pipefail
PY="${1:-python3}"
VENV="${2:-.venv}"

"$PY" - <<'PYEOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Python 3.11 or newer is required, found {sys.version.split()[0]}")
PYEOF

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$VENV"
if [ -z "${PII_FORCE_NO_ENSUREPIP:-}" ] && "$PY" -m venv "$VENV" 2>/dev/null; then
  exit 0
fi
echo "python venv has no ensurepip here; installing pip from PyPI into $VENV" >&2
rm -rf "$VENV"
"$PY" -m venv --without-pip "$VENV"
"$VENV/bin/python" - <<'PYEOF'
import json, os, subprocess, sys, tempfile, urllib.parse, urllib.request
index = os.environ.get("PIP_INDEX_JSON", "https://pypi.org/pypi/pip/json")
with urllib.request.urlopen(index, timeout=60) as r:
    meta = json.load(r)
wheel = next(u for u in meta["urls"] if u["packagetype"] == "bdist_wheel")
path = os.path.join(tempfile.mkdtemp(), wheel["filename"])
# Mirrors may answer with a relative URL: resolve it against the index address.
urllib.request.urlretrieve(urllib.parse.urljoin(index, wheel["url"]), path)
# A pip wheel can run itself: install pip from its own wheel file.
subprocess.check_call([sys.executable, os.path.join(path, "pip"), "install", "--no-index", path])
PYEOF
