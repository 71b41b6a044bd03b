// Command pulumi-tfgen-tls writes schema.json and bridge-metadata.json for
// the tls provider: `pulumi-tfgen-tls schema --out DIR`.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"jupyterhub-platform.local/toolchain/provider-tls/info"
)

func main() { pftfgen.Main("tls", info.Provider(nil)) }
