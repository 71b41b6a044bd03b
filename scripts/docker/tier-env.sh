# shellcheck shell=bash
# Sourced (from the repository root) by the run.sh of every tier that deploys a local stack:
# prepares the toolchain, the Docker engine and the local base images (prepare-local.sh), then
# exports the toolchain's PATH and the base image names (JHP_HUB_BASE_IMAGE,
# JHP_SINGLEUSER_BASE_IMAGE: what the images are built from, the stand-ins here). When preparing
# fails it prints the tier's FAIL and count lines and exits the calling script.
if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
