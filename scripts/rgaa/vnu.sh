#!/bin/sh
# RGAA 8.2: the W3C Nu checker (vnu-jar from tests/tools/node_modules) on the audit sample.
# Usage: scripts/rgaa/vnu.sh /tmp/r-public  (writes scripts/rgaa/vnu.json)
set -e
P=${1:-public}
D=$(dirname "$0")
JAR=$D/../../tests/tools/node_modules/vnu-jar/build/dist/vnu.jar
java -jar "$JAR" --format json --exit-zero-always \
  "$P/index.html" "$P/projets/entreprise-a-accord-temps-de-travail/index.html" "$P/projets/index.html" \
  "$P/themes/index.html" "$P/themes/dialogue-social/index.html" "$P/maturite/index.html" \
  "$P/recherche/index.html" "$P/guide-complet/index.html" "$P/candidater/index.html" \
  "$P/accessibilite/index.html" "$P/404.html" 2> "$D/vnu.json"
