#!/bin/bash
# Managed by jupyterhub-platform: bootstrap this node with kubeadm.
set -euo pipefail

role="${1:?usage: $0 init|control-plane|worker}"
env_file="${JHP_KUBE_ENV:-/etc/jupyterhub-platform/kube.env}"
# shellcheck source=/dev/null
. "$env_file"
k8s_version="${K8S_VERSION:?K8S_VERSION missing in $env_file}"
if ! [[ "$k8s_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "K8S_VERSION must be x.y.z, got $k8s_version" >&2
    exit 2
fi
# pkgs.k8s.io keeps one package repository per minor release (v<x.y>).
k8s_minor="v${k8s_version%.*}"
export DEBIAN_FRONTEND=noninteractive

modprobe overlay
modprobe br_netfilter
printf 'overlay\nbr_netfilter\n' >/etc/modules-load.d/kubernetes.conf
printf 'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n' \
    >/etc/sysctl.d/99-kubernetes.conf
sysctl --system >/dev/null
swapoff -a
sed -i '/\sswap\s/s/^/#/' /etc/fstab

apt-get update
apt-get install -y apt-transport-https ca-certificates curl gpg containerd
mkdir -p /etc/containerd /etc/apt/keyrings
containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' >/etc/containerd/config.toml
systemctl restart containerd

curl -fsSL --retry 10 --retry-delay 6 "https://pkgs.k8s.io/core:/stable:/$k8s_minor/deb/Release.key" |
    gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/$k8s_minor/deb/ /" \
    >/etc/apt/sources.list.d/kubernetes.list
apt-get update
apt-get install -y "kubelet=$k8s_version-*" "kubeadm=$k8s_version-*" "kubectl=$k8s_version-*"
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet

case "$role" in
    init)
        if [ ! -f /etc/kubernetes/admin.conf ]; then
            kubeadm init --config /etc/kubernetes/kubeadm/init.yaml
        fi
        ;;
    control-plane | worker)
        # kubeadm reset empties /etc/kubernetes/pki: keep the certificates cloud-init wrote there
        # (a joining control plane needs the shared CAs) and put them back after each reset.
        mkdir -p /etc/kubernetes/pki
        if [ ! -d /var/lib/jhp-pki ]; then
            mkdir -p /var/lib/jhp-pki
            cp -a /etc/kubernetes/pki/. /var/lib/jhp-pki/
            chmod 0700 /var/lib/jhp-pki
        fi
        attempts=0
        until [ -f /etc/kubernetes/kubelet.conf ] || kubeadm join --config /etc/kubernetes/kubeadm/join.yaml; do
            attempts=$((attempts + 1))
            if [ "$attempts" -ge 60 ]; then
                echo "kubeadm join failed $attempts times" >&2
                exit 1
            fi
            kubeadm reset --force || true
            mkdir -p /etc/kubernetes/pki
            cp -a /var/lib/jhp-pki/. /etc/kubernetes/pki/
            sleep 20
        done
        ;;
    *)
        echo "unknown role $role" >&2
        exit 2
        ;;
esac
