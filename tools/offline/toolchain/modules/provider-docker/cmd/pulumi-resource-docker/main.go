// Command pulumi-resource-docker serves the Terraform docker provider to the Pulumi engine.
// schema.json and bridge-metadata.json are generated next to this file by pulumi-tfgen-docker.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"jupyterhub-platform.local/toolchain/provider-docker/info"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	tfbridge.Main("docker", info.Version, info.Provider(metadata), schema)
}
