#!/usr/bin/env bash
# Checkov vs acrpc on the same ARM templates (not part of CI; see README).
#
#   benches/checkov.sh [N]        N templates, one registry each (default 500)
#
# 1. creates target/checkov-venv and `pip install checkov` into it (once);
# 2. writes N ARM templates with varied registry properties into
#    target/checkov-bench/ (deterministic);
# 3. times `checkov -d target/checkov-bench --framework arm --skip-download
#    --quiet --compact -o json`, kept off the network (below);
# 4. times `target/release/acrpc check --format json target/checkov-bench`;
# 5. prints both times (the median of CHECKOV_BENCH_RUNS runs each, default
#    3, interleaved) and the ratio.
#
# Checkov is kept from sending anything off this machine:
#   --skip-download / BC_SKIP_MAPPING=TRUE  no guidelines/mapping/run-config
#                                           download from the Prisma/Bridgecrew API
#   CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE      no PyPI version check (checkov's
#                                           banner.py does it at import otherwise)
#   BC_API_KEY / PRISMA_API_URL unset       no platform login, nothing uploaded
#   --framework arm                         no secrets/SCA/VCS runners
# and, when `unshare` can make a network namespace (root), Checkov runs in
# one with no network at all (CHECKOV_BENCH_NETWORK=1: not). With
# CHECKOV_BENCH_STRACE=1 its connect() calls are recorded in
# target/checkov-bench.strace and the non-local ones counted.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CI:-}" ] && [ -z "${CHECKOV_BENCH_FORCE:-}" ]; then
  echo "benches/checkov.sh: not run under CI (set CHECKOV_BENCH_FORCE=1 to override)"
  exit 0
fi

N="${1:-500}"
VENV=target/checkov-venv
DIR=target/checkov-bench

if [ ! -x "$VENV/bin/checkov" ]; then
  echo "== installing Checkov into $VENV (a few minutes, once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet checkov
fi

echo "== acrpc (release build)"
if ! cargo build --release --quiet --bin acrpc; then
  [ -x target/release/acrpc ] || exit 1
  echo "   build failed; using the existing target/release/acrpc"
fi

echo "== writing $N ARM templates into $DIR"
rm -rf "$DIR"
mkdir -p "$DIR"
python3 - "$N" "$DIR" <<'PY'
import json, sys

n, out = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    pick = lambda k, m: ((i * 2654435761) >> k) % m
    on_off = lambda k: ["enabled", "disabled"][pick(k, 2)]
    sku = ["Basic", "Standard", "Premium"][pick(3, 3)]
    props = {
        "adminUserEnabled": pick(5, 2) == 0,
        "anonymousPullEnabled": pick(7, 4) == 0,
        "publicNetworkAccess": ["Enabled", "Disabled"][pick(9, 2)],
        "zoneRedundancy": ["Enabled", "Disabled"][pick(11, 2)],
        "dataEndpointEnabled": pick(13, 2) == 0,
        "networkRuleBypassOptions": ["AzureServices", "None"][pick(15, 2)],
        "policies": {
            "quarantinePolicy": {"status": on_off(17)},
            "trustPolicy": {"type": "Notary", "status": on_off(19)},
            "retentionPolicy": {"days": 7 + pick(21, 30), "status": on_off(23)},
            "exportPolicy": {"status": on_off(25)},
            "azureADAuthenticationAsArmPolicy": {"status": on_off(27)},
        },
    }
    if pick(29, 3) == 0:
        props["encryption"] = {"status": "enabled", "keyVaultProperties": {
            "keyIdentifier": "https://kv.vault.azure.net/keys/k", "identity": "abc"}}
    if sku == "Premium":
        props["networkRuleSet"] = {
            "defaultAction": ["Allow", "Deny"][pick(31, 2)],
            "ipRules": [{"action": "Allow", "value": f"203.0.113.{k}"} for k in range(pick(33, 4))],
        }
    registry = {
        "type": "Microsoft.ContainerRegistry/registries",
        "apiVersion": "2023-11-01-preview",
        "name": f"acr{i:05d}",
        "location": "[resourceGroup().location]",
        "tags": {"env": ["prod", "dev"][pick(35, 2)]},
        "sku": {"name": sku},
        "properties": props,
    }
    if pick(37, 3) == 0:
        registry["identity"] = {"type": "SystemAssigned"}
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [registry],
    }
    with open(f"{out}/acr{i:05d}.json", "w") as f:
        json.dump(template, f, indent=2)
PY

# Checkov's environment: nothing that could reach a server.
checkov_env=(env -u BC_API_KEY -u PRISMA_API_URL -u BC_API_URL
  BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE LOG_LEVEL=ERROR)
wrap=()
if [ -z "${CHECKOV_BENCH_NETWORK:-}" ] && unshare --net true 2>/dev/null; then
  wrap=(unshare --net)
  isolation="no network (unshare --net)"
else
  isolation="network reachable; kept off it by the settings above"
fi
if [ -n "${CHECKOV_BENCH_STRACE:-}" ]; then
  wrap+=(strace -f -qq -e trace=connect -o target/checkov-bench.strace)
fi

now() { date +%s.%N; }

# The median of RUNS runs of each tool, interleaved (checkov, acrpc,
# checkov, …) so that both see the same load on a shared machine.
RUNS="${CHECKOV_BENCH_RUNS:-3}"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_checkov() {
  local t0 t1
  t0=$(now)
  set +e
  "${wrap[@]}" "${checkov_env[@]}" "$VENV/bin/checkov" -d "$DIR" --framework arm \
    --skip-download --quiet --compact -o json >target/checkov-bench.out.json 2>target/checkov-bench.err
  checkov_rc=$?
  set -e
  t1=$(now)
  echo "$t1 - $t0" | bc -l >>target/checkov-bench.checkov.times
}

run_acrpc() {
  local t0 t1
  t0=$(now)
  set +e
  target/release/acrpc check --format json "$DIR" >target/checkov-bench.acrpc.json 2>target/checkov-bench.acrpc.err
  acrpc_rc=$?
  set -e
  t1=$(now)
  echo "$t1 - $t0" | bc -l >>target/checkov-bench.acrpc.times
}

echo "== checkov $("${checkov_env[@]}" "$VENV/bin/checkov" --version) ($isolation), acrpc: $RUNS runs each"
rm -f target/checkov-bench.checkov.times target/checkov-bench.acrpc.times
for _ in $(seq "$RUNS"); do
  run_checkov
  run_acrpc
done
checkov_s=$(median <target/checkov-bench.checkov.times)
acrpc_s=$(median <target/checkov-bench.acrpc.times)
echo "   checkov runs (s): $(tr '\n' ' ' <target/checkov-bench.checkov.times)"
echo "   acrpc runs (s):   $(tr '\n' ' ' <target/checkov-bench.acrpc.times)"
if [ -n "${CHECKOV_BENCH_STRACE:-}" ]; then
  echo "   Checkov's connect() calls: $(grep -c 'connect(' target/checkov-bench.strace || true)," \
    "non-local (AF_INET/AF_INET6): $(grep 'connect(' target/checkov-bench.strace | grep -c 'AF_INET' || true)"
fi
checkov_failed=$(python3 -c '
import json, sys
d = json.load(open("target/checkov-bench.out.json"))
d = d if isinstance(d, list) else [d]
print(sum(r.get("summary", {}).get("failed", 0) for r in d),
      sum(r.get("summary", {}).get("passed", 0) for r in d))' 2>/dev/null || echo "? ?")

acrpc_findings=$(python3 -c '
import json
d = json.load(open("target/checkov-bench.acrpc.json"))
print(sum(1 for r in d.get("results", []) if r.get("verdict") == "non_compliant"))' 2>/dev/null || echo "?")

read -r c_failed c_passed <<<"$checkov_failed"
printf '%d ARM templates (one registry each)\n' "$N"
printf 'checkov (arm, exit %d):      %8.2f s (median)   %s failed / %s passed checks\n' \
  "$checkov_rc" "$checkov_s" "$c_failed" "$c_passed"
printf 'acrpc check (exit %d):       %8.2f s (median)   %s non-compliant verdicts\n' \
  "$acrpc_rc" "$acrpc_s" "$acrpc_findings"
printf 'checkov / acrpc:            %8.1fx\n' "$(echo "$checkov_s / $acrpc_s" | bc -l)"
