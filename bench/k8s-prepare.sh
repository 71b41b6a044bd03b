# shellcheck shell=bash
# Sourced (from the repository root, after scripts/docker/prepare-local.sh) by bench/run.sh and
# bench/load/run.sh when they deploy a `kubernetes` stack on the local cluster (tools/local-cluster;
# the caller holds the cluster lock): the Pulumi kubernetes plugin on top of what prepare-local
# installs (a cold build is ~22 CPU-minutes, then cached), and Debian's docker-registry and
# htpasswd (apache2-utils) for the loopback registry the cluster pulls the images from
# (test/e2e/common/registry.ts). When one of them fails it prints a FAIL line and exits the
# calling script.
if ! bash tools/offline/toolchain/install.sh --only cli,language,random,docker,kubernetes,tls; then
    echo "FAIL could not install the Pulumi toolchain with the kubernetes plugin"
    exit 1
fi
jhp_k8s_missing=()
command -v docker-registry >/dev/null 2>&1 || jhp_k8s_missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || jhp_k8s_missing+=(apache2-utils)
if [ "${#jhp_k8s_missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${jhp_k8s_missing[*]}"
    # A clean machine may not have the package lists yet: update once, then try again.
    if ! { DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${jhp_k8s_missing[@]}" ||
        { timeout 600 apt-get -o DPkg::Lock::Timeout=600 update -q &&
            DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${jhp_k8s_missing[@]}"; }; }; then
        echo "FAIL could not install ${jhp_k8s_missing[*]}"
        exit 1
    fi
fi
unset jhp_k8s_missing
