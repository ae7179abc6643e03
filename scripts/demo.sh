#!/usr/bin/env bash
# The demo: a gateway on this machine with three registered, simulated devices streaming telemetry.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(swift build --show-bin-path)"
data="${DEMO_DATA_DIR:-./gatehouse-data/demo}"
port="${DEMO_DEVICE_PORT:-7300}"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Registers the device if needed (or gives it a new token) and prints the token.
token_for() {
    local id=$1 profile=$2
    if "$bin/gatehouse" device show "$id" --data-dir "$data" >/dev/null 2>&1; then
        "$bin/gatehouse" device rotate-token "$id" --data-dir "$data" | tail -n 1
    else
        "$bin/gatehouse" device add "$id" --profile "$profile" --data-dir "$data" | tail -n 1
    fi
}

thermo=$(token_for thermo-0001 thermostat)
meter=$(token_for meter-0001 power-meter)
tracker=$(token_for tracker-0001 gps-tracker)

http_port="${DEMO_HTTP_PORT:-8080}"
"$bin/gatehouse" serve --data-dir "$data" --device-port "$port" --http-port "$http_port" --host 127.0.0.1 \
    --log-level "${DEMO_LOG_LEVEL:-info}" &
pids+=($!)
for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
done

sim() { "$bin/gatehouse-sim" device --port "$port" --quiet "$@" </dev/null & pids+=($!); }
sim --id thermo-0001 --token "$thermo" --profile thermostat --interval 2 \
    --field 1:i16:180..260 --field 2:u8:30..60
sim --id meter-0001 --token "$meter" --profile power-meter --interval 1 \
    --field 1:u16:2250..2350 --field 2:u16:0..1600 --field 3:u32:0..3600
sim --id tracker-0001 --token "$tracker" --profile gps-tracker --interval 3 \
    --field 1:i32:523000000..523100000 --field 2:i32:133000000..133100000 --field 3:u16:0..900

api_token=$(cat "$data/api-token")
echo
echo "Gatehouse demo: gateway on 127.0.0.1:$port with 3 simulated devices (thermo-0001, meter-0001, tracker-0001)."
echo "Dashboard:  http://127.0.0.1:$http_port/?token=$api_token"
echo "REST API:   curl -H 'Authorization: Bearer $api_token' http://127.0.0.1:$http_port/api/devices"
echo "Metrics:    curl -H 'Authorization: Bearer $api_token' http://127.0.0.1:$http_port/metrics"
echo "Registry: $data   Ctrl-C stops it."
wait "${pids[0]}"
