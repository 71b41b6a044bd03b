//go:build tools

// Package tools pins the commands built by tools/offline/go-tools/build.sh.
package tools

import (
	_ "github.com/seaweedfs/seaweedfs/weed"
)
