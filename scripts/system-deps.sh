#!/usr/bin/env bash
# Installs the system packages the local stand-ins use: espeak-ng + lame (real MP3 narration) and
# chromium (headless screenshots of the rendered email and web page).
# As root with apt-get (CI, fresh containers) it installs what is missing. Otherwise it says
# what is missing and, with --optional, carries on: the narrator then writes a silent placeholder
# MP3 and the browser tests are skipped.
set -euo pipefail
optional=0
[ "${1:-}" = "--optional" ] && optional=1
packages=(espeak-ng lame chromium)  # Debian package names; each installs a command of that name
missing=()
for p in "${packages[@]}"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (local narration, browser screenshots)"
  if install || { apt-get update -qq >/dev/null 2>&1 && install; }; then
    exit 0
  fi
fi
echo "notice: ${missing[*]} not installed: without espeak-ng/lame local audio is a silent placeholder MP3;" >&2
echo "        without chromium the browser tests are skipped." >&2
echo "        install them with: sudo apt-get install ${missing[*]}" >&2
[ $optional -eq 1 ] && exit 0 || exit 1
