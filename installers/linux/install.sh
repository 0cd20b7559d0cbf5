#!/bin/sh
# Install Creator Reserve from this unpacked folder: a menu entry, the icons, and the commands
# creator-reserve and creatorapp.  The app itself stays in this folder (move the folder first
# if you want it elsewhere, then run this again).
#
#   ./install.sh            for you: ~/.local/share and ~/.local/bin
#   sudo ./install.sh --system   for everyone: /usr/local/share and /usr/local/bin
#
# ./uninstall.sh (with the same option) takes it all away again.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=creator-reserve
case "${1:-}" in
  --system) SHARE=/usr/local/share; BIN=/usr/local/bin ;;
  "") SHARE=${XDG_DATA_HOME:-$HOME/.local/share}; BIN=$HOME/.local/bin ;;
  *) echo "usage: $0 [--system]" >&2; exit 2 ;;
esac

if ! "$HERE/creatorapp" --version >/dev/null 2>&1; then
  echo "The app in $HERE does not start; run $HERE/creatorapp --version to see why." >&2
  exit 1
fi

mkdir -p "$SHARE/applications" "$BIN"
for dir in "$HERE"/icons/*/apps; do
  size=$(basename "$(dirname "$dir")")
  mkdir -p "$SHARE/icons/hicolor/$size/apps"
  cp "$dir"/* "$SHARE/icons/hicolor/$size/apps/"
done
# the menu entry runs the app by its full path: ~/.local/bin is not on every desktop's PATH
sed -e "s|^Exec=.*|Exec=\"$HERE/$NAME\"|" -e "s|^TryExec=.*|TryExec=$HERE/$NAME|" \
  "$HERE/$NAME.desktop" >"$SHARE/applications/$NAME.desktop"
chmod 644 "$SHARE/applications/$NAME.desktop"
ln -sf "$HERE/creator-reserve" "$BIN/creator-reserve"
ln -sf "$HERE/creatorapp" "$BIN/creatorapp"

# refresh the caches when the tools are there; menus pick the entry up either way
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
fi

echo "Installed Creator Reserve:"
echo "  menu entry  $SHARE/applications/$NAME.desktop"
echo "  commands    $BIN/creator-reserve, $BIN/creatorapp"
case ":$PATH:" in
  *":$BIN:"*) ;;
  *) echo "  ($BIN is not on your PATH; add it to run creatorapp from a terminal)" ;;
esac
