#!/bin/sh
# Build the macOS download: dist/Creator Reserve-<version>-macos-<arch>.dmg
#
# The disk image holds "Creator Reserve.app" and a link to /Applications to drag it onto.
# The app carries the command line too: Contents/MacOS/creatorapp.
#
# Needs macOS 11 or later with the Xcode command line tools (codesign, hdiutil, xcrun), and a
# Python 3.11+ with the app and PyInstaller installed (`make dist` makes .venv for you).
# The app is built for the Mac it is built on (arm64 or x86_64): the C2PA library ships one
# architecture per wheel, so there is no universal2 build; build once on each.
#
# Usage: installers/macos/build.sh [PYTHON]        (default .venv/bin/python)
# Optional, for a download that opens without Gatekeeper warnings:
#   CODESIGN_IDENTITY="Developer ID Application: Your Name (TEAMID)"
#       signs every binary, the app (hardened runtime, installers/macos/entitlements.plist)
#       and the disk image;
#   NOTARY_PROFILE=<name>   a keychain profile made once with
#       `xcrun notarytool store-credentials <name> --apple-id ... --team-id ...`;
#       the app and the disk image are notarised by Apple and the tickets stapled.
# Without them the app is signed ad hoc: it runs, but the first open needs right-click > Open.
# DIST_DIR and BUILD_DIR: see installers/build-common.sh.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${1:-$ROOT/.venv/bin/python}
[ "$(uname -s)" = Darwin ] || { echo "This script builds on macOS only." >&2; exit 2; }
for tool in hdiutil codesign xcrun ditto; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: xcode-select --install" >&2; exit 2; }
done
# shellcheck source=../build-common.sh
. "$ROOT/installers/build-common.sh"
APP_NAME=$(info name)
APP="$DIST_DIR/$APP_NAME.app"
DMG="$DIST_DIR/$APP_NAME-$VERSION-macos-$ARCH.dmg"
export CODESIGN_IDENTITY="${CODESIGN_IDENTITY:-}"   # read by the spec

run_pyinstaller macos

mkdir -p "$DIST_DIR"
rm -rf "$APP"
ditto "$BUILD_DIR/pyinstaller-dist/$APP_NAME.app" "$APP"

echo "Self-test of the built app"
"$APP/Contents/MacOS/creatorapp" selftest

notarise() {  # $1: a .zip or .dmg; staples $2 (the app or the dmg) afterwards
  [ -n "${NOTARY_PROFILE:-}" ] || return 0
  xcrun notarytool submit "$1" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$2"
}

if [ -n "$CODESIGN_IDENTITY" ]; then
  codesign --verify --deep --strict --verbose=2 "$APP"
  ditto -c -k --keepParent "$APP" "$BUILD_DIR/notarise.zip"
  notarise "$BUILD_DIR/notarise.zip" "$APP"
fi

STAGE="$BUILD_DIR/dmg"
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/$APP_NAME.app"
ln -s /Applications "$STAGE/Applications"
hdiutil create -quiet -volname "$APP_NAME $VERSION" -srcfolder "$STAGE" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$DMG"
if [ -n "$CODESIGN_IDENTITY" ]; then
  codesign --sign "$CODESIGN_IDENTITY" --timestamp "$DMG"
  notarise "$DMG" "$DMG"
fi
echo "Built $APP"
echo "Built $DMG"
