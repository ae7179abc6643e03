#!/usr/bin/env bash
# Plays a scenario against NODES local release-build gateway nodes and reports what each side cost:
# CPU seconds of the gateways and of gatehouse-sim (its worker processes included), and CPU per
# 1,000 frames/s of each.
#
#   scripts/load.sh SCENARIO [NODES] [DURATION]      e.g. scripts/load.sh simulators/soak-100k.yaml 6 150s
#
# A gateway process may hold 20,000 open files here, so a 100,000-device scenario needs six nodes.
# Every gateway listens on 127.0.0.1 only; the nodes are stopped when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=${1:?usage: scripts/load.sh SCENARIO [NODES] [DURATION]}
nodes=${2:-1}
duration=${3:-}
base_port=${LOAD_BASE_PORT:-17301}

swift build -c release --product gatehouse >&2
swift build -c release --product gatehouse-sim >&2
bin="$(swift build -c release --show-bin-path)"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "${LOAD_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# utime + stime of a live process, in seconds.
cpu_seconds() {
    awk -v ticks="$(getconf CLK_TCK)" '{ print ($14 + $15) / ticks }' "/proc/$1/stat"
}

targets=()
for n in $(seq 0 $((nodes - 1))); do
    port=$((base_port + n))
    "$bin/gatehouse" serve --allow-unknown-devices --host 127.0.0.1 --device-port "$port" \
        --http-port $((port + 1000)) --data-dir "$work/data-$port" --node-id "load-$port" \
        --log-level error &
    pids+=($!)
    targets+=("127.0.0.1:$port")
done
for target in "${targets[@]}"; do
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/${target%:*}/${target#*:}") 2>/dev/null && break
        sleep 0.1
    done
done
gateway_cpu_before=0
for pid in "${pids[@]}"; do
    gateway_cpu_before=$(awk -v a="$gateway_cpu_before" -v b="$(cpu_seconds "$pid")" 'BEGIN { print a + b }')
done

args=(run "$scenario" --json --target "$(IFS=,; echo "${targets[*]}")")
[ -n "$duration" ] && args+=(--duration "$duration")
# In a subshell of its own, whose `times` then counts gatehouse-sim and its worker processes only.
outcome=$(
    code=0
    "$bin/gatehouse-sim" "${args[@]}" >"$work/report.json" || code=$?
    echo "$code"
    times
)
status=$(sed -n 1p <<<"$outcome")
simulator_cpu=$(sed -n 3p <<<"$outcome" |
    awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); sum += t[1] * 60 + t[2] } } END { print sum }')

gateway_cpu=0
for pid in "${pids[@]}"; do
    gateway_cpu=$(awk -v a="$gateway_cpu" -v b="$(cpu_seconds "$pid")" 'BEGIN { print a + b }')
done
cat "$work/report.json"
python3 - "$work/report.json" "$gateway_cpu_before" "$gateway_cpu" "$simulator_cpu" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
gateway = float(sys.argv[3]) - float(sys.argv[2])
simulator = float(sys.argv[4])
elapsed = report["elapsed_seconds"]
rate = report["frames_sent"] / elapsed
print(f"connected {report['connected']} of {report['devices']}, peak {report['peak_connected']}, "
      f"{report['frames_sent']} frames in {elapsed:.1f} s = {rate:,.0f} frames/s")
print(f"CPU: gateways {gateway:.1f} s ({100 * gateway / elapsed:.0f} % of a core), "
      f"gatehouse-sim {simulator:.1f} s ({100 * simulator / elapsed:.0f} % of a core)")
if rate > 0:
    per = lambda seconds: 100 * seconds / elapsed / (rate / 1000)
    print(f"per 1,000 frames/s: gateways {per(gateway):.1f} % of a core, gatehouse-sim {per(simulator):.1f} % of a core")
EOF
exit "$status"
