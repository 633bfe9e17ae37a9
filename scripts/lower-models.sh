#!/usr/bin/env bash
# Lowers many models with tests/lower_only.cc's modelc_lower_only, for the sanitizer
# build's tests (scripts/cross-test.sh --lower-only, lower_only.test_models):
#   scripts/lower-models.sh MODELC_LOWER_ONLY LISTS
# LISTS holds modelc compile's argument lists, one a line, each ended by ';', with
# absolute paths and no quoting. One process takes 25 of them in turn (the sanitizers'
# start-up, about 0.1 s, once), as many processes at a time as cores. Exit status 0
# only when every model lowers.
set -euo pipefail
xargs -P "$(nproc)" -L 25 "$1" < "$2"
