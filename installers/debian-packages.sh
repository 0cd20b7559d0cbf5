#!/bin/sh
# Install the named Debian packages that are missing. As root this uses apt-get directly; as a
# user it tries sudo without a password prompt, and otherwise says what to run.
# Elsewhere than Debian/Ubuntu it does nothing.
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run="sudo -n"
else
  echo "Missing Debian packages:$missing -- install them with: sudo apt-get install$missing" >&2
  exit 0
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# $missing is a list of package names: split on purpose
# shellcheck disable=SC2086
$run apt-get update -qq >/dev/null && $run apt-get install -y -qq --no-install-recommends $missing >/dev/null
