#!/usr/bin/env bash
# Installs the Debian packages the kiosk needs beside Python:
#   libzbar0         the pyzbar decoder's C library
#   chromium         the touchscreen browser, and the end-to-end tests' browser
#   fonts-wqy-zenhei a CJK font for receipts drawn as pictures and for PDFs
#   fonts-hanazono   HanaMin A/B: CJK Extension A and all of Extension B (𠮷), for rare names
#   fonts-unifont    GNU Unifont: the rest of the BMP and emoji, so no character prints as a box
#   espeak-ng        the offline Mandarin voice that `kiosk voice build` makes the clips with
#   opus-tools       opusenc: the clips as small Ogg Opus files
#   poppler-utils    pdftoppm: the first-day test reads the printed passbook sheet back as a picture
# As root it installs what is missing through apt; otherwise it names what to install.
set -euo pipefail
need=()
for pkg in libzbar0 chromium fonts-wqy-zenhei fonts-hanazono fonts-unifont espeak-ng opus-tools poppler-utils; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
else
    echo "Missing system packages: ${need[*]}" >&2
    echo "Install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
fi
