//go:build tools

// Package tools pins the commands built by tools/offline/go-tools/build.sh: the `kube` set
// (etcd, kube-apiserver, kubeadm) for test/real, and the `cluster` set, which adds the rest of
// a node (kubelet, kube-proxy, kube-controller-manager, kube-scheduler, kubectl) for
// tools/local-cluster.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
