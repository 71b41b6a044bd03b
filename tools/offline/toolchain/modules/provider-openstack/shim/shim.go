// Package shim exposes the Terraform OpenStack provider (an SDKv2 provider) to
// the Pulumi bridge. Its constructor is public (package openstack), so unlike
// the random/tls/docker shims this one needs no access to an internal package;
// it lives in its own module, under the upstream path like the others, so that
// shim/go.mod alone pins the upstream release (v1.54.1, the one
// pulumi-openstack v3.15.2 bridges). Written for this repository's toolchain.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	upstream "github.com/terraform-provider-openstack/terraform-provider-openstack/openstack"
)

// NewProvider returns a fresh instance of the upstream provider.
func NewProvider() *schema.Provider { return upstream.Provider() }
