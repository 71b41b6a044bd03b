//go:build tools

// Wrapper module: builds traefik, the proxy Dask Gateway's Kubernetes backend routes through
// (its controller writes traefik IngressRoute objects), for the image jupyterhub-platform/traefik.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
