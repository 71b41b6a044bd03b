#!/usr/bin/env bash
# npm run e2e:dev-vm — the `dev` topology on a VM booted here (QEMU, TCG): build (or reuse) the
# VM image, prepare the toolchain, the local Docker engine and the base images, fill the VM's
# docker disk with the images on this machine (tools/dev-vm/docker-disk.sh: the VM cannot pull
# them), then run e2e.ts. QEMU is killed on every exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."

fail_setup() {
    echo "FAIL $1"
    echo "0 passed, 1 failed"
    exit 1
}

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh
# shellcheck source=tools/dev-vm/lib.sh
source tools/dev-vm/lib.sh
dev_vm_require_packages || fail_setup "could not install QEMU and the image tools"

start=$SECONDS
image="$(bash tools/dev-vm/build-image.sh)" || fail_setup "could not build the VM image"
echo "e2e:dev-vm: image $image ready in $((SECONDS - start)) s"
sed 's/^/e2e:dev-vm:   /' "$image/manifest.txt"
start=$SECONDS
docker_disk="$(bash tools/dev-vm/docker-disk.sh)" || fail_setup "could not prepare the VM's docker disk"
echo "e2e:dev-vm: docker disk $docker_disk ready in $((SECONDS - start)) s"
sed 's/^/e2e:dev-vm:   /' "$docker_disk/images.env"

trap 'bash tools/dev-vm/vm.sh kill' EXIT
JHP_DEV_VM_IMAGE="$image" JHP_DEV_VM_DOCKER_DISK="$docker_disk" npx ts-node --transpile-only -P tsconfig.json test/e2e/dev-vm/e2e.ts
