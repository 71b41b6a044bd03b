#!/usr/bin/env bash
# What every command that runs the local topology needs first (npm run up, e2e:local, bench):
# npm packages, the Pulumi CLI with the plugins the local topology uses, a running Docker engine
# and the local stand-ins for the upstream base images. Idempotent; fast when all is present.
# Callers then `source tools/offline/toolchain/env.sh` for PATH and the file backend.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# Not the whole `npm run toolchain`: the local topology uses neither the kubernetes plugin (a
# cold build is ~22 CPU-minutes) nor the openstack one (not buildable yet; docs/toolchain.md).
bash tools/offline/toolchain/install.sh --only cli,language,random,docker
bash scripts/docker/ensure-dockerd.sh
bash tools/offline/base-images/build.sh
