# Sourced (not run) by installers/linux/build.sh and installers/macos/build.sh, so both find
# their folders, name the app and run PyInstaller the same way.  The caller sets ROOT and
# PYTHON.  DIST_DIR and BUILD_DIR move the output and work folders (defaults: dist/ and
# build/ in the project); everything PyInstaller caches stays under BUILD_DIR.
DIST_DIR=${DIST_DIR:-$ROOT/dist}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
info() { "$PYTHON" "$ROOT/installers/app_info.py" "$1"; }
VERSION=$(info version)
ARCH=$(info machine)
export PYINSTALLER_CONFIG_DIR="$BUILD_DIR/pyinstaller-cache"
export CREATORAPP_ICON_DIR="$BUILD_DIR/icons"

# $1: the system's name in the download (linux, macos)
run_pyinstaller() {
  echo "Building $(info name) $VERSION for $1-$ARCH"
  # offscreen: Qt renders the icons without a display
  QT_QPA_PLATFORM=offscreen "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$BUILD_DIR/pyinstaller-dist" --workpath "$BUILD_DIR/pyinstaller-work" \
    "$ROOT/installers/creator-reserve.spec"
}
