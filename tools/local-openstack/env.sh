# shellcheck shell=bash
# tools/local-openstack/env.sh - point OpenStack clients at the local OpenStack.
#
#   source tools/local-openstack/env.sh      (bash; after `npm run openstack:up`)
#   openstack server list                    # the test project, as its member user
#   OS_CLOUD=jhp-local-admin openstack hypervisor list
#
# Exports:
#   OS_CLIENT_CONFIG_FILE  the run directory's clouds.yaml (written by up.sh); read by the
#                          openstack CLI, openstacksdk and the Pulumi/Terraform openstack
#                          provider (gophercloud) alike.
#   OS_CLOUD               the test project's entry (set `openstack:cloud` / the program's
#                          `openstack.cloud` key to the same name, or leave it empty).
#   JHP_OPENSTACK_ADMIN_CLOUD
#                          the cloud admin's entry (reading user-data, hypervisors).
#   JHP_OPENSTACK_IMAGE, JHP_OPENSTACK_EXTERNAL_NETWORK, JHP_OPENSTACK_FLAVORS
#                          names a test stack's config needs (openstack.image,
#                          openstack.externalNetwork, openstack.flavors.*).
# Other OS_* variables would override parts of the cloud entry, so they are unset.

_jhp_os_values="$(bash -c 'source "$1/config.sh" && printf "%s\n" "$JHP_OS_CLOUDS_YAML" "$JHP_OS_CLOUD" "$JHP_OS_ADMIN_CLOUD" "$JHP_OS_IMAGE" "$JHP_OS_EXT_NET" "${JHP_OS_FLAVORS[*]}"' _ "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)")"
{
  read -r OS_CLIENT_CONFIG_FILE
  read -r OS_CLOUD
  read -r JHP_OPENSTACK_ADMIN_CLOUD
  read -r JHP_OPENSTACK_IMAGE
  read -r JHP_OPENSTACK_EXTERNAL_NETWORK
  read -r JHP_OPENSTACK_FLAVORS
} <<<"$_jhp_os_values"
unset _jhp_os_values
export OS_CLIENT_CONFIG_FILE OS_CLOUD JHP_OPENSTACK_ADMIN_CLOUD JHP_OPENSTACK_IMAGE JHP_OPENSTACK_EXTERNAL_NETWORK JHP_OPENSTACK_FLAVORS
unset OS_AUTH_URL OS_AUTH_TYPE OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_PROJECT_ID OS_TENANT_NAME \
  OS_TENANT_ID OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME OS_REGION_NAME OS_TOKEN \
  OS_APPLICATION_CREDENTIAL_ID OS_APPLICATION_CREDENTIAL_SECRET
if [ ! -r "$OS_CLIENT_CONFIG_FILE" ]; then
  echo "local-openstack: $OS_CLIENT_CONFIG_FILE does not exist yet; run npm run openstack:up" >&2
fi
