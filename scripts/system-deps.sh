#!/usr/bin/env bash
# Make sure the system libraries WeasyPrint needs, and the PDF tools the tests
# use, are present. Installs them with apt-get when we are root (or may use
# sudo without a password, as on CI runners); otherwise names the packages to
# install and fails.
#
# `system-deps.sh browser` checks only for Chromium, which the preview's
# browser test drives (make test); building handouts does not need it.
set -euo pipefail

missing=()
if [ "${1:-}" = "browser" ]; then
  packages=(chromium)
  command -v chromium >/dev/null || missing+=(chromium)
else
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 poppler-utils qpdf fonts-dejavu-core)
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
have_lib 'libfontconfig.so.1' || missing+=(libfontconfig1)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v qpdf >/dev/null || missing+=(qpdf)
# a machine font, so the tests can show that no machine font reaches a PDF
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || missing+=(fonts-dejavu-core)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
as_root=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
fi
if { [ "$(id -u)" -eq 0 ] || [ -n "$as_root" ]; } && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them (for example: sudo apt-get install ${packages[*]}) and run make again." >&2
  exit 1
fi
