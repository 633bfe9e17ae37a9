#!/usr/bin/env bash
# The Python package as a user installs it: `pip install ./python` into a virtual
# environment, then its pytest tests (tests/python) against the modelc just built.
#   tests/python/run.sh BUILD_DIR MODELC_BINARY
# The environment (BUILD_DIR/python-venv) sees Debian's numpy and pytest; the package is
# installed offline (--no-build-isolation: Debian's setuptools builds it). Keras (for
# compiling a Keras model object) comes from tools/keras/requirements.txt, the pinned
# reference tools, fetched from PyPI once per environment; with MODELC_OFFLINE=1 the
# Keras tests are skipped instead, and say so.
set -euo pipefail
build=$(realpath "$1")
binary=$(realpath "$2")
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
venv=$build/python-venv
requirements=$source_dir/tools/keras/requirements.txt
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if [ "${MODELC_OFFLINE:-0}" != 1 ] && ! cmp -s "$requirements" "$venv/keras-requirements.txt"; then
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" \
    || { echo "could not install $requirements from PyPI (set MODELC_OFFLINE=1 to skip the Keras tests)"; exit 1; }
  cp "$requirements" "$venv/keras-requirements.txt"
fi
rm -rf "$build/python-package"  # a copy: setuptools writes build/ and *.egg-info beside the sources
cp -r "$source_dir/python" "$build/python-package"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall \
  "$build/python-package" > "$venv/install.log" 2>&1 || { cat "$venv/install.log"; exit 1; }
export MODELC_BINARY=$binary KERAS_BACKEND=jax MODELC_INSTALLED_IN=$venv
if [ "${MODELC_OFFLINE:-0}" != 1 ]; then export MODELC_REQUIRE_KERAS=1; fi
cd "$build"  # not the source tree: `import modelc` must find the installed package
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -rs "$source_dir/tests/python"
