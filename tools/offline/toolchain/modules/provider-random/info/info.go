// Package info describes how the Terraform random provider is presented to
// Pulumi: the package name, and the token scheme that the published
// @pulumi/random SDK uses (random:index/randomPassword:RandomPassword, ...).
package info

import (
	"context"
	"errors"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is the plugin version; set at build time with
// -ldflags "-X jupyterhub-platform.local/toolchain/provider-random/info.Version=4.21.2".
// The bridge refuses to start with an empty version.
var Version string

// Provider returns the bridge configuration. metadata is the content of
// bridge-metadata.json produced by pulumi-tfgen-random (nil while generating).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		JavaScript:   &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no "id" attribute upstream; use its base64 value.
			"random_bytes": {ComputeID: bytesID},
		},
	}
	// random_password -> random:index/randomPassword:RandomPassword
	prefixed := func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}
	p.MustComputeTokens(tokens.SingleModule("random_", "index", prefixed))
	return p
}

// bytesID derives the Pulumi ID of a RandomBytes resource from its (secret)
// base64 output.
func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", errors.New("random_bytes: state has no base64 property")
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", errors.New("random_bytes: base64 property is not a string")
	}
	return resource.ID(v.StringValue()), nil
}
