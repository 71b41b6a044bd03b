//go:build tools

// Package tools pins actionlint as a dependency of this module, so `go build` of its command
// uses exactly the versions (and hashes) in go.mod and go.sum. Built by
// tools/gitops/lint-workflows.sh.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
