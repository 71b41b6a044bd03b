// Package info describes how the Terraform tls provider is presented to
// Pulumi: the package name, and the token scheme that the published
// @pulumi/tls SDK uses (tls:index/privateKey:PrivateKey, ...).
package info

import (
	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
)

// Version is the plugin version; set at build time with
// -ldflags "-X jupyterhub-platform.local/toolchain/provider-tls/info.Version=5.6.1".
// The bridge refuses to start with an empty version.
var Version string

// Provider returns the bridge configuration. metadata is the content of
// bridge-metadata.json produced by pulumi-tfgen-tls (nil while generating).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Description:  "A Pulumi package to create TLS resources in Pulumi programs.",
		Keywords:     []string{"pulumi", "tls"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-tls",
		GitHubOrg:    "hashicorp",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		JavaScript:   &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
		// The published provider reports schema version 0 for resources whose
		// upstream schema has no explicit version; keep state compatible.
		EnableZeroDefaultSchemaVersion: true,
	}
	// tls_private_key -> tls:index/privateKey:PrivateKey
	p.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return p
}
