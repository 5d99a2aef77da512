#!/usr/bin/env bash
# CI: SIGKILL mid-run leaves no half-written file; a rerun gives the same bytes.
exec bash "$(dirname "$0")/../../scripts/kill_test.sh" 120
