#!/usr/bin/env bash
# Make the Chinese faces (templates/fonts/noto-sans-cjk/, git-ignored) from
# Debian's fonts-noto-cjk package, without installing it on the machine: the
# package is downloaded, unpacked in a temporary folder, and one face per
# region is extracted (see extract-cjk-fonts.py). Does nothing when they are there.
set -euo pipefail

python=${1:-.venv/bin/python}
dest=templates/fonts/noto-sans-cjk
faces=(NotoSansSC-Regular.otf NotoSansSC-Bold.otf NotoSansTC-Regular.otf NotoSansTC-Bold.otf)
missing=0
for face in "${faces[@]}"; do [ -s "$dest/$face" ] || missing=1; done
[ "$missing" -eq 0 ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
as_root=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
fi
echo "Extracting the Chinese fonts from Debian's fonts-noto-cjk into $dest/"
if ! (cd "$work" && apt-get download fonts-noto-cjk >/dev/null 2>&1); then
  if [ "$(id -u)" -eq 0 ] || [ -n "$as_root" ]; then
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    (cd "$work" && chmod 777 . && apt-get download fonts-noto-cjk >/dev/null)
  else
    echo "Could not download Debian's fonts-noto-cjk (apt-get download fonts-noto-cjk); Chinese handouts need it." >&2
    exit 1
  fi
fi
dpkg-deb -x "$work"/fonts-noto-cjk_*.deb "$work/root"
"$python" scripts/extract-cjk-fonts.py "$work/root" "$dest"
