#!/bin/sh
# Build the Linux download: dist/creator-reserve-<version>-linux-<arch>.tar.gz
#
# The tarball unpacks to one folder, creator-reserve-<version>/, that runs where it lies:
#   creator-reserve        the app (and, with arguments, the command line)
#   creatorapp             the command line
#   install.sh             adds the menu entry, icons and commands for this user (or --system)
#   uninstall.sh           takes them away again
#   creator-reserve.desktop, icons/  what install.sh installs
#
# Usage: installers/linux/build.sh [PYTHON]   (PYTHON: the interpreter that has the app and
# PyInstaller installed; default .venv/bin/python).  DIST_DIR and BUILD_DIR: see
# installers/build-common.sh.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${1:-$ROOT/.venv/bin/python}
# shellcheck source=../build-common.sh
. "$ROOT/installers/build-common.sh"
NAME=$(info gui_executable)
STAGE="$NAME-$VERSION"

run_pyinstaller linux

echo "Self-test of the built app"
"$BUILD_DIR/pyinstaller-dist/$NAME/creatorapp" selftest

rm -rf "${DIST_DIR:?}/$STAGE"
mkdir -p "$DIST_DIR"
# the bundle's own folder becomes the tarball's top folder (moved, not copied: 170 MB)
mv "$BUILD_DIR/pyinstaller-dist/$NAME" "$DIST_DIR/$STAGE"
cp -a "$BUILD_DIR/icons/hicolor" "$DIST_DIR/$STAGE/icons"
sed -e "s/@VERSION@/$VERSION/" -e "s/@NAME@/$NAME/g" \
  -e "s/@CATEGORIES@/$(info categories);/" -e "s/@KEYWORDS@/$(info keywords);/" \
  -e "s/@DESCRIPTION@/$(info description)/" \
  "$ROOT/installers/linux/creator-reserve.desktop.in" >"$DIST_DIR/$STAGE/$NAME.desktop"
cp "$ROOT/installers/linux/install.sh" "$ROOT/installers/linux/uninstall.sh" "$DIST_DIR/$STAGE/"
cp "$ROOT/installers/linux/README.txt" "$DIST_DIR/$STAGE/README.txt"
chmod 755 "$DIST_DIR/$STAGE/install.sh" "$DIST_DIR/$STAGE/uninstall.sh"

TARBALL="$DIST_DIR/$STAGE-linux-$ARCH.tar.gz"
tar -C "$DIST_DIR" -czf "$TARBALL" --owner=0 --group=0 "$STAGE"
echo "Built $DIST_DIR/$STAGE"
echo "Built $TARBALL"
