#!/usr/bin/env bash
# Fetches one npm package into a cache folder, atomically: extract into a temporary folder, then rename.
# usage: fetch-npm-package.sh <package@version> <destination-folder>
set -euo pipefail
spec="$1"; dest="$2"
if [ -f "$dest/.complete" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error MLMIX001: npm was not found on PATH. It is needed to fetch ONNX Runtime ($spec). Install Node.js/npm, or build with -p:OnnxRuntimeFromNuGet=true where the official Microsoft.ML.OnnxRuntime NuGet package is available." >&2
  exit 1
fi
parent="$(dirname "$dest")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "Fetching $spec with npm into $dest (once; cached afterwards)"
( cd "$tmp" && npm pack "$spec" --silent --loglevel=error >/dev/null 2>"$tmp/npm.log" ) || { cat "$tmp/npm.log" >&2; echo "error MLMIX002: npm pack $spec failed (see above)." >&2; exit 1; }
tarball="$(ls "$tmp"/*.tgz | head -n1)"
mkdir -p "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x"
touch "$tmp/x/package/.complete"
# Another build may have won the race; keep whichever finished first.
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest"
  mv "$tmp/x/package" "$dest"
fi
