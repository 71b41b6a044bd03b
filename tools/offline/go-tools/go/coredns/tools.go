//go:build tools

// Package tools pins the commands built by tools/offline/go-tools/build.sh (the cluster set).
package tools

import _ "github.com/coredns/coredns"
