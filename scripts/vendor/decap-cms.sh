#!/usr/bin/env bash
# Vendors Decap CMS's browser bundle from its npm package into vendor/decap-cms/, pinned by
# version and integrity, and writes vendor/decap-cms/files.rs, the list `guide` embeds
# (src/cms/assets.rs), so that `guide serve` serves the form with no network and no Node.js.
#
# Run it again only to change the version: set VERSION and INTEGRITY (from
# `npm view decap-cms@VERSION dist.integrity`), run, check the form (tests/cms_browser.rs), and
# commit vendor/decap-cms/ with the change.
set -euo pipefail
VERSION=3.16.3
INTEGRITY=sha512-hf+dPlCh7TJmWl8+6VRzHYOWhri5xgUknrZbDewaWe4s9B7xJ8PQugp2QHeSldMUKzav6+z0oIpwUYhUJDYtYw==

cd "$(dirname "$0")/../.."
out=vendor/decap-cms
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack "decap-cms@$VERSION" --silent >/dev/null)
tarball="$work/decap-cms-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "integrity mismatch for decap-cms@$VERSION: $actual" >&2
  exit 1
fi
tar xzf "$tarball" -C "$work"

rm -rf "$out"
mkdir -p "$out/dist"
# The bundle, the chunks it loads on demand and its WebAssembly; not the source maps nor the
# second build (cms.js) the package also ships.
for file in "$work"/package/dist/*; do
  name=$(basename "$file")
  case "$name" in
    *.map) ;;
    decap-cms.js | *.decap-cms.js | *.wasm | decap-cms.js.LICENSE.txt) cp "$file" "$out/dist/" ;;
  esac
done

cat >"$out/VERSION" <<INFO
decap-cms $VERSION (npm), MIT licence (LICENSE), third-party notices in dist/decap-cms.js.LICENSE.txt
tarball integrity: $INTEGRITY
vendored by scripts/vendor/decap-cms.sh
INFO

cat >"$out/LICENSE" <<'LICENCE'
Copyright (c) 2016 Netlify <decap@p-m.si>

MIT License

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE

{
  echo "// Written by scripts/vendor/decap-cms.sh: the files of decap-cms $VERSION that guide embeds."
  echo "&["
  for file in $(cd "$out/dist" && ls | LC_ALL=C sort); do
    echo "    (\"$file\", include_bytes!(\"dist/$file\") as &[u8]),"
  done
  echo "]"
} >"$out/files.rs"
echo "vendored decap-cms $VERSION into $out ($(ls "$out/dist" | wc -l) files)"
