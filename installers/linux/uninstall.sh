#!/bin/sh
# Remove what install.sh added (use --system if you installed with it).  Your catalogue,
# settings and tagged files are kept; the app's folder is left for you to delete.
set -eu
NAME=creator-reserve
case "${1:-}" in
  --system) SHARE=/usr/local/share; BIN=/usr/local/bin ;;
  "") SHARE=${XDG_DATA_HOME:-$HOME/.local/share}; BIN=$HOME/.local/bin ;;
  *) echo "usage: $0 [--system]" >&2; exit 2 ;;
esac
rm -f "$SHARE/applications/$NAME.desktop"
rm -f "$SHARE"/icons/hicolor/*/apps/$NAME.png "$SHARE"/icons/hicolor/*/apps/$NAME.svg
for cmd in creator-reserve creatorapp; do
  # only links into an unpacked Creator Reserve folder, never a command of the same name
  if [ -L "$BIN/$cmd" ] && [ -f "$(dirname "$(readlink "$BIN/$cmd")")/$NAME.desktop" ]; then
    rm -f "$BIN/$cmd"
  fi
done
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
fi
echo "Removed the menu entry, icons and commands. Your catalogue and settings are kept."
