// Command pulumi-resource-random serves the random provider to the Pulumi
// engine. schema.json and bridge-metadata.json are generated next to this
// file by pulumi-tfgen-random in the build directory before compiling; they
// are not kept in the repository.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"jupyterhub-platform.local/toolchain/provider-random/info"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "random", info.Provider(metadata), pf.ProviderMetadata{PackageSchema: schema})
}
