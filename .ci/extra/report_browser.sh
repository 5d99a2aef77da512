#!/usr/bin/env bash
# CI: render the demo's report.html in headless Chromium (installed when missing).
exec bash "$(dirname "$0")/../../scripts/check_report_browser.sh"
