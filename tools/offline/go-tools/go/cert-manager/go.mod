// Wrapper module: pins cert-manager's module for its CustomResourceDefinitions (deploy/crds),
// which test/real/k8s-acme.e2e.sh installs into the local cluster. Nothing is built from it: the
// controller's main package is the nested module .../cert-manager/cmd/controller, which the module
// proxy does not serve.
module jupyterhub-platform/real/cert-manager

go 1.26.0

require github.com/cert-manager/cert-manager v1.21.2
