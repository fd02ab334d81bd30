#!/usr/bin/env bash
# Re-create quality/report/static/vendor/ from the npm registry: the CSS, JS and fonts that
# Great Expectations' Data Docs pages load from CDNs, at the versions its templates name
# (vega@5, vega-lite@5 and vega-embed@6 float on the CDN: pinned here to what they
# resolved to). Minified files and licences only. Run it after upgrading
# great-expectations, then update CDN_ASSETS in quality/report/assets.py.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/quality/report/static/vendor"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# package@version | files inside the package (relative to package/) | licence file
assets=(
  "bootstrap@4.3.1|dist/css/bootstrap.min.css dist/js/bootstrap.min.js|LICENSE"
  "jquery@3.7.1|dist/jquery.min.js|LICENSE.txt"
  "popper.js@1.12.9|dist/umd/popper.min.js|"
  "bootstrap-table@1.19.1|dist/bootstrap-table.min.css dist/bootstrap-table.min.js dist/extensions/filter-control/bootstrap-table-filter-control.min.js|LICENSE"
  "bootstrap-table@1.19.0|dist/extensions/filter-control/bootstrap-table-filter-control.min.css|LICENSE"
  "bootstrap-datepicker@1.9.0|dist/css/bootstrap-datepicker.min.css dist/js/bootstrap-datepicker.min.js|LICENSE"
  "@forevolve/bootstrap-dark@1.1.0|dist/css/bootstrap-prefers-dark.min.css|LICENSE"
  "@fortawesome/fontawesome-free@6.6.0|css/all.min.css webfonts/fa-brands-400.woff2 webfonts/fa-brands-400.ttf webfonts/fa-regular-400.woff2 webfonts/fa-regular-400.ttf webfonts/fa-solid-900.woff2 webfonts/fa-solid-900.ttf webfonts/fa-v4compatibility.woff2 webfonts/fa-v4compatibility.ttf|LICENSE.txt"
  "vega@5.33.1|build/vega.min.js|"
  "vega-lite@5.23.0|build/vega-lite.min.js|LICENSE"
  "vega-embed@6.29.0|build/vega-embed.min.js|LICENSE"
)

rm -rf "$vendor"
for entry in "${assets[@]}"; do
  IFS="|" read -r spec files licence <<<"$entry"
  name="${spec%@*}"
  dir="$vendor/${name#@*/}-${spec##*@}"
  (cd "$scratch" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$scratch"/*.tgz)"
  mkdir -p "$scratch/x" && tar xzf "$tarball" -C "$scratch/x"
  for file in $files $licence; do
    target="$dir/${file#dist/}"
    target="${target/\/build\//\/}"
    mkdir -p "$(dirname "$target")"
    cp "$scratch/x/package/$file" "$target"
  done
  if [ -z "$licence" ]; then
    # The package ships no licence file: record the licence its package.json declares.
    declared="$(node -p "require('$scratch/x/package/package.json').license")"
    printf '%s is %s (its package.json); the npm package ships no licence file.\n' \
      "$spec" "$declared" >"$dir/LICENSE-NOTE"
  fi
  rm -rf "$scratch/x" "$tarball"
done
echo "vendored into $vendor ($(du -sh "$vendor" | cut -f1))"
