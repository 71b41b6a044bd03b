package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"jupyterhub-platform.local/toolchain/provider-docker/info"
)

func main() { tfgen.Main("docker", info.Version, info.Provider(nil)) }
