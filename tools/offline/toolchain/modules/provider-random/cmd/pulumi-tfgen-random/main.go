// Command pulumi-tfgen-random writes schema.json and bridge-metadata.json for
// the random provider: `pulumi-tfgen-random schema --out DIR`.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"jupyterhub-platform.local/toolchain/provider-random/info"
)

func main() { pftfgen.Main("random", info.Provider(nil)) }
