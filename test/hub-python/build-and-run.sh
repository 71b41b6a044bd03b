#!/usr/bin/env bash
# npm run test:hub — the hub image built from this machine's base image (the stand-in when no
# registry is reachable), then the hub-side hook tests inside it (run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/docker/prepare-local.sh
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$JHP_HUB_BASE_IMAGE" -t test/hub:dev images/hub
bash test/hub-python/run.sh
