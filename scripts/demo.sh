#!/usr/bin/env bash
# The demo: a local mosquitto, a gateway bridged to it, and three registered, simulated devices
# streaming telemetry. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(swift build --show-bin-path)"
data="${DEMO_DATA_DIR:-./gatehouse-data/demo}"
port="${DEMO_DEVICE_PORT:-7300}"
pids=()
mqtt_dir=""
cleanup() {
    # The gateway first, so it can publish its devices' and its own offline status before the broker goes.
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "$mqtt_dir" ] && rm -rf "$mqtt_dir"
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
# Registered but not played: it is offline, and a command with a TTL waits in its queue.
sleeper=$(token_for thermo-0002 thermostat)

# A broker of the demo's own, on loopback only; set_tcp_nodelay keeps small messages from waiting.
mqtt_port="${DEMO_MQTT_PORT:-11883}"
mqtt_dir=$(mktemp -d)
chmod 755 "$mqtt_dir"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n' "$mqtt_port" \
    >"$mqtt_dir/mosquitto.conf"
# In a session of its own, so Ctrl-C reaches the gateway (which then publishes its offline statuses)
# but not the broker, which the cleanup stops after the gateway.
setsid /usr/sbin/mosquitto -c "$mqtt_dir/mosquitto.conf" >"$mqtt_dir/mosquitto.log" 2>&1 &
pids+=($!)

http_port="${DEMO_HTTP_PORT:-8080}"
"$bin/gatehouse" serve --data-dir "$data" --device-port "$port" --http-port "$http_port" --host 127.0.0.1 \
    --mqtt "mqtt://127.0.0.1:$mqtt_port" --node-id demo --log-level "${DEMO_LOG_LEVEL:-info}" &
pids=("$!" "${pids[@]}")
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
for _ in $(seq 1 50); do
    curl -sf -o /dev/null -H "Authorization: Bearer $api_token" "http://127.0.0.1:$http_port/api/devices" && break
    sleep 0.2
done
curl -sf -o /dev/null -H "Authorization: Bearer $api_token" -X POST \
    -d '{"name":"set_setpoint","args":{"value":19.5},"ttl_ms":3600000}' \
    "http://127.0.0.1:$http_port/api/devices/thermo-0002/commands" || true
echo
echo "Gatehouse demo: gateway on 127.0.0.1:$port with 3 simulated devices (thermo-0001, meter-0001, tracker-0001),"
echo "bridged to a local mosquitto on 127.0.0.1:$mqtt_port."
echo "Dashboard:  http://127.0.0.1:$http_port/?token=$api_token"
echo "REST API:   curl -H 'Authorization: Bearer $api_token' http://127.0.0.1:$http_port/api/devices"
echo "Metrics:    curl -H 'Authorization: Bearer $api_token' http://127.0.0.1:$http_port/metrics"
echo "MQTT:       mosquitto_sub -p $mqtt_port -t 'gatehouse/#' -v"
echo "Command:    mosquitto_pub -p $mqtt_port -t gatehouse/devices/thermo-0001/commands \\"
echo "                -m '{\"request_id\":\"r1\",\"name\":\"set_setpoint\",\"args\":{\"value\":22.5}}'"
echo "Queued:     thermo-0002 is offline; a set_setpoint waits in its queue for an hour (Command history on"
echo "            the dashboard). Bring it online and watch it go out:"
echo "            $bin/gatehouse-sim device --id thermo-0002 --token $sleeper --profile thermostat --port $port"
echo "Registry: $data   Ctrl-C stops it."
wait "${pids[0]}"
