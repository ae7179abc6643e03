#!/usr/bin/env bash
# Installs the Debian packages Gatehouse needs, only those that are missing.
set -euo pipefail

# chromium: the dashboard page is tested in a real (headless) browser; mosquitto: the MQTT bridge is
# tested against a real broker, and the demo runs one (mosquitto-clients: the demo's mosquitto_sub and
# mosquitto_pub examples); openssl: the test of mqtts:// makes its own CA and broker certificate;
# curl: the demo queues a command through the REST API, as its printed examples do.
packages=(libsqlite3-dev pkg-config python3 chromium libmosquitto-dev mosquitto mosquitto-clients openssl curl)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
