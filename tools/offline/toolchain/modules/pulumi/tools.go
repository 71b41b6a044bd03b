//go:build tools

// Package tools pins the Pulumi CLI main package so that `go mod tidy` keeps
// every module it needs in go.mod/go.sum. Build it with
// `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` from this directory.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
