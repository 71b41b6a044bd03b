// Package shim exposes the Terraform tls provider's Plugin Framework
// provider to the Pulumi bridge. The upstream constructor lives in an
// internal package, which Go only lets code under the upstream module's
// import path reach; this package's path is therefore placed under
// github.com/hashicorp/terraform-provider-tls and wired in with a local
// `replace` in ../go.mod. Written for this repository's toolchain.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns a fresh instance of the upstream provider.
func NewProvider() provider.Provider { return upstream.New() }
