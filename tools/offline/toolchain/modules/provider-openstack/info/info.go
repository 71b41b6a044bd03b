// Package info describes how the Terraform OpenStack provider is presented to
// Pulumi: the package name, the SDK module of every resource and data source
// and their type names, the few property renames, the provider-configuration
// defaults read from OS_* environment variables, and auto-naming. All of it is
// what the published @pulumi/openstack 3.15.2 SDK expects (pulumi-openstack
// v3.15.2, provider/resources.go, read for the facts); the tables below are
// this repository's own.
package info

import (
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	ptokens "github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/shim"
)

// Version is the plugin version; set at build time with
// -ldflags "-X jupyterhub-platform.local/toolchain/provider-openstack/info.Version=3.15.2".
// The bridge refuses to start with an empty version.
var Version string

const pkg = "openstack"

// SDK modules (the middle part of a token: openstack:<module>/<member>:<Type>).
const (
	blockstorage     = "blockstorage"
	compute          = "compute"
	containerinfra   = "containerinfra"
	database         = "database"
	dns              = "dns"
	firewall         = "firewall"
	identity         = "identity"
	images           = "images"
	keymanager       = "keymanager"
	loadbalancer     = "loadbalancer"
	networking       = "networking"
	objectstorage    = "objectstorage"
	orchestration    = "orchestration"
	sharedfilesystem = "sharedfilesystem"
	vpnaas           = "vpnaas"
)

// mapping names the SDK module and type (or function) of one Terraform
// resource or data source.
type mapping struct{ tf, module, name string }

// resources: every resource of terraform-provider-openstack v1.54.1. The SDK's
// names are not derivable from the Terraform names (volume_v3 is Volume but
// volume_v2 is VolumeV2, quotaset is QuoteSet, lb_* is in loadbalancer, ...).
var resources = []mapping{
	{"openstack_blockstorage_qos_association_v3", blockstorage, "QosAssociationV3"},
	{"openstack_blockstorage_qos_v3", blockstorage, "QosV3"},
	{"openstack_blockstorage_quotaset_v2", blockstorage, "QuoteSetV2"},
	{"openstack_blockstorage_quotaset_v3", blockstorage, "QuoteSetV3"},
	{"openstack_blockstorage_volume_attach_v2", blockstorage, "VolumeAttachV2"},
	{"openstack_blockstorage_volume_attach_v3", blockstorage, "VolumeAttach"},
	{"openstack_blockstorage_volume_type_access_v3", blockstorage, "VolumeTypeAccessV3"},
	{"openstack_blockstorage_volume_type_v3", blockstorage, "VolumeTypeV3"},
	{"openstack_blockstorage_volume_v1", blockstorage, "VolumeV1"},
	{"openstack_blockstorage_volume_v2", blockstorage, "VolumeV2"},
	{"openstack_blockstorage_volume_v3", blockstorage, "Volume"},

	{"openstack_compute_aggregate_v2", compute, "AggregateV2"},
	{"openstack_compute_flavor_access_v2", compute, "FlavorAccess"},
	{"openstack_compute_flavor_v2", compute, "Flavor"},
	{"openstack_compute_floatingip_associate_v2", compute, "FloatingIpAssociate"},
	{"openstack_compute_floatingip_v2", compute, "FloatingIp"},
	{"openstack_compute_instance_v2", compute, "Instance"},
	{"openstack_compute_interface_attach_v2", compute, "InterfaceAttach"},
	{"openstack_compute_keypair_v2", compute, "Keypair"},
	{"openstack_compute_quotaset_v2", compute, "QuotaSetV2"},
	{"openstack_compute_secgroup_v2", compute, "SecGroup"},
	{"openstack_compute_servergroup_v2", compute, "ServerGroup"},
	{"openstack_compute_volume_attach_v2", compute, "VolumeAttach"},

	{"openstack_containerinfra_cluster_v1", containerinfra, "Cluster"},
	{"openstack_containerinfra_clustertemplate_v1", containerinfra, "ClusterTemplate"},
	{"openstack_containerinfra_nodegroup_v1", containerinfra, "NodeGroup"},

	{"openstack_db_configuration_v1", database, "Configuration"},
	{"openstack_db_database_v1", database, "Database"},
	{"openstack_db_instance_v1", database, "Instance"},
	{"openstack_db_user_v1", database, "User"},

	{"openstack_dns_recordset_v2", dns, "RecordSet"},
	{"openstack_dns_transfer_accept_v2", dns, "TransferAccept"},
	{"openstack_dns_transfer_request_v2", dns, "TransferRequest"},
	{"openstack_dns_zone_v2", dns, "Zone"},

	{"openstack_fw_firewall_v1", firewall, "Firewall"},
	{"openstack_fw_group_v2", firewall, "GroupV2"},
	{"openstack_fw_policy_v1", firewall, "Policy"},
	{"openstack_fw_policy_v2", firewall, "PolicyV2"},
	{"openstack_fw_rule_v1", firewall, "Rule"},
	{"openstack_fw_rule_v2", firewall, "RuleV2"},

	{"openstack_identity_application_credential_v3", identity, "ApplicationCredential"},
	{"openstack_identity_ec2_credential_v3", identity, "Ec2CredentialV3"},
	{"openstack_identity_endpoint_v3", identity, "EndpointV3"},
	{"openstack_identity_group_v3", identity, "GroupV3"},
	{"openstack_identity_inherit_role_assignment_v3", identity, "InheritRoleAssignment"},
	{"openstack_identity_project_v3", identity, "Project"},
	{"openstack_identity_role_assignment_v3", identity, "RoleAssignment"},
	{"openstack_identity_role_v3", identity, "Role"},
	{"openstack_identity_service_v3", identity, "ServiceV3"},
	{"openstack_identity_user_membership_v3", identity, "UserMembershipV3"},
	{"openstack_identity_user_v3", identity, "User"},

	{"openstack_images_image_access_accept_v2", images, "ImageAccessAccept"},
	{"openstack_images_image_access_v2", images, "ImageAccess"},
	{"openstack_images_image_v2", images, "Image"},

	{"openstack_keymanager_container_v1", keymanager, "ContainerV1"},
	{"openstack_keymanager_order_v1", keymanager, "OrderV1"},
	{"openstack_keymanager_secret_v1", keymanager, "SecretV1"},

	{"openstack_lb_l7policy_v2", loadbalancer, "L7PolicyV2"},
	{"openstack_lb_l7rule_v2", loadbalancer, "L7RuleV2"},
	{"openstack_lb_listener_v2", loadbalancer, "Listener"},
	{"openstack_lb_loadbalancer_v2", loadbalancer, "LoadBalancer"},
	{"openstack_lb_member_v1", loadbalancer, "MemberV1"},
	{"openstack_lb_member_v2", loadbalancer, "Member"},
	{"openstack_lb_members_v2", loadbalancer, "Members"},
	{"openstack_lb_monitor_v1", loadbalancer, "MonitorV1"},
	{"openstack_lb_monitor_v2", loadbalancer, "Monitor"},
	{"openstack_lb_pool_v1", loadbalancer, "PoolV1"},
	{"openstack_lb_pool_v2", loadbalancer, "Pool"},
	{"openstack_lb_quota_v2", loadbalancer, "Quota"},
	{"openstack_lb_vip_v1", loadbalancer, "Vip"},

	{"openstack_networking_addressscope_v2", networking, "AddressScope"},
	{"openstack_networking_floatingip_associate_v2", networking, "FloatingIpAssociate"},
	{"openstack_networking_floatingip_v2", networking, "FloatingIp"},
	{"openstack_networking_network_v2", networking, "Network"},
	{"openstack_networking_port_secgroup_associate_v2", networking, "PortSecGroupAssociate"},
	{"openstack_networking_port_v2", networking, "Port"},
	{"openstack_networking_portforwarding_v2", networking, "PortForwardingV2"},
	{"openstack_networking_qos_bandwidth_limit_rule_v2", networking, "QosBandwidthLimitRule"},
	{"openstack_networking_qos_dscp_marking_rule_v2", networking, "QosDscpMarkingRule"},
	{"openstack_networking_qos_minimum_bandwidth_rule_v2", networking, "QosMinimumBandwidthRule"},
	{"openstack_networking_qos_policy_v2", networking, "QosPolicy"},
	{"openstack_networking_quota_v2", networking, "QuotaV2"},
	{"openstack_networking_rbac_policy_v2", networking, "RbacPolicyV2"},
	{"openstack_networking_router_interface_v2", networking, "RouterInterface"},
	{"openstack_networking_router_route_v2", networking, "RouterRoute"},
	{"openstack_networking_router_v2", networking, "Router"},
	{"openstack_networking_secgroup_rule_v2", networking, "SecGroupRule"},
	{"openstack_networking_secgroup_v2", networking, "SecGroup"},
	{"openstack_networking_subnet_route_v2", networking, "SubnetRoute"},
	{"openstack_networking_subnet_v2", networking, "Subnet"},
	{"openstack_networking_subnetpool_v2", networking, "SubnetPool"},
	{"openstack_networking_trunk_v2", networking, "Trunk"},

	{"openstack_objectstorage_container_v1", objectstorage, "Container"},
	{"openstack_objectstorage_object_v1", objectstorage, "ContainerObject"},
	{"openstack_objectstorage_tempurl_v1", objectstorage, "TempUrl"},

	{"openstack_orchestration_stack_v1", orchestration, "StackV1"},

	{"openstack_sharedfilesystem_securityservice_v2", sharedfilesystem, "SecurityService"},
	{"openstack_sharedfilesystem_share_access_v2", sharedfilesystem, "ShareAccess"},
	{"openstack_sharedfilesystem_share_v2", sharedfilesystem, "Share"},
	{"openstack_sharedfilesystem_sharenetwork_v2", sharedfilesystem, "ShareNetwork"},

	{"openstack_vpnaas_endpoint_group_v2", vpnaas, "EndpointGroup"},
	{"openstack_vpnaas_ike_policy_v2", vpnaas, "IkePolicy"},
	{"openstack_vpnaas_ipsec_policy_v2", vpnaas, "IpSecPolicy"},
	{"openstack_vpnaas_service_v2", vpnaas, "Service"},
	{"openstack_vpnaas_site_connection_v2", vpnaas, "SiteConnection"},
}

// dataSources: every data source of v1.54.1 except openstack_fw_{group,policy,rule}_v2,
// which the published SDK has in the index module (getFwGroupV2, ...): they take the
// computed default below.
var dataSources = []mapping{
	{"openstack_blockstorage_availability_zones_v3", blockstorage, "getAvailabilityZonesV3"},
	{"openstack_blockstorage_quotaset_v3", blockstorage, "getQuotasetV3"},
	{"openstack_blockstorage_snapshot_v2", blockstorage, "getSnapshotV2"},
	{"openstack_blockstorage_snapshot_v3", blockstorage, "getSnapshotV3"},
	{"openstack_blockstorage_volume_v2", blockstorage, "getVolumeV2"},
	{"openstack_blockstorage_volume_v3", blockstorage, "getVolumeV3"},

	{"openstack_compute_aggregate_v2", compute, "getAggregateV2"},
	{"openstack_compute_availability_zones_v2", compute, "getAvailabilityZones"},
	{"openstack_compute_flavor_v2", compute, "getFlavor"},
	{"openstack_compute_hypervisor_v2", compute, "getHypervisorV2"},
	{"openstack_compute_instance_v2", compute, "getInstanceV2"},
	{"openstack_compute_keypair_v2", compute, "getKeypair"},
	{"openstack_compute_limits_v2", compute, "getLimitsV2"},
	{"openstack_compute_quotaset_v2", compute, "getQuotaSetV2"},

	{"openstack_containerinfra_cluster_v1", containerinfra, "getCluster"},
	{"openstack_containerinfra_clustertemplate_v1", containerinfra, "getClusterTemplate"},
	{"openstack_containerinfra_nodegroup_v1", containerinfra, "getNodeGroup"},

	{"openstack_dns_zone_v2", dns, "getDnsZone"},

	{"openstack_fw_policy_v1", firewall, "getPolicy"},

	{"openstack_identity_auth_scope_v3", identity, "getAuthScope"},
	{"openstack_identity_endpoint_v3", identity, "getEndpoint"},
	{"openstack_identity_group_v3", identity, "getGroup"},
	{"openstack_identity_project_v3", identity, "getProject"},
	{"openstack_identity_role_v3", identity, "getRole"},
	{"openstack_identity_service_v3", identity, "getService"},
	{"openstack_identity_user_v3", identity, "getUser"},

	{"openstack_images_image_ids_v2", images, "getImageIds"},
	{"openstack_images_image_v2", images, "getImage"},

	{"openstack_keymanager_container_v1", keymanager, "getContainer"},
	{"openstack_keymanager_secret_v1", keymanager, "getSecret"},

	{"openstack_networking_addressscope_v2", networking, "getAddressScope"},
	{"openstack_networking_floatingip_v2", networking, "getFloatingIp"},
	{"openstack_networking_network_v2", networking, "getNetwork"},
	{"openstack_networking_port_ids_v2", networking, "getPortIds"},
	{"openstack_networking_port_v2", networking, "getPort"},
	{"openstack_networking_qos_bandwidth_limit_rule_v2", networking, "getQosBandwidthLimitRule"},
	{"openstack_networking_qos_dscp_marking_rule_v2", networking, "getQosDscpMarkingRule"},
	{"openstack_networking_qos_minimum_bandwidth_rule_v2", networking, "getQosMinimumBandwidthRule"},
	{"openstack_networking_qos_policy_v2", networking, "getQosPolicy"},
	{"openstack_networking_quota_v2", networking, "getQuotaV2"},
	{"openstack_networking_router_v2", networking, "getRouter"},
	{"openstack_networking_secgroup_v2", networking, "getSecGroup"},
	{"openstack_networking_subnet_ids_v2", networking, "getSubnetIdsV2"},
	{"openstack_networking_subnet_v2", networking, "getSubnet"},
	{"openstack_networking_subnetpool_v2", networking, "getSubnetPool"},
	{"openstack_networking_trunk_v2", networking, "getTrunk"},

	// "Availbility" is the published SDK's spelling.
	{"openstack_sharedfilesystem_availability_zones_v2", sharedfilesystem, "getAvailbilityZones"},
	{"openstack_sharedfilesystem_share_v2", sharedfilesystem, "getShare"},
	{"openstack_sharedfilesystem_sharenetwork_v2", sharedfilesystem, "getShareNetwork"},
	{"openstack_sharedfilesystem_snapshot_v2", sharedfilesystem, "getSnapshot"},
}

// member builds openstack:<module>/<name with a lower-case first letter>:<name>.
func member(module, name string) string {
	return pkg + ":" + module + "/" + strings.ToLower(name[:1]) + name[1:] + ":" + name
}

// envDefaults: provider settings the published provider also reads from the
// environment on the Pulumi side (visible in the schema as defaultInfo). The
// upstream provider reads these and all other OS_* variables (OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...) itself when a setting is unset.
var envDefaults = map[string]string{
	"region":        "OS_REGION_NAME",
	"insecure":      "OS_INSECURE",
	"endpoint_type": "OS_ENDPOINT_TYPE",
	"swauth":        "OS_SWAUTH",
	"use_octavia":   "OS_USE_OCTAVIA",
	"cloud":         "OS_CLOUD",
	"delayed_auth":  "OS_DELAYED_AUTH",
	"allow_reauth":  "OS_ALLOW_REAUTH",
}

// Provider returns the bridge configuration. metadata is the content of
// bridge-metadata.json produced by pulumi-tfgen-openstack (nil while generating).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider()),
		Name:         pkg,
		Description:  "A Pulumi package for creating and managing OpenStack cloud resources.",
		Keywords:     []string{"pulumi", "openstack"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-openstack",
		GitHubOrg:    "terraform-provider-openstack",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config:       map[string]*tfbridge.SchemaInfo{},
		Resources:    map[string]*tfbridge.ResourceInfo{},
		DataSources:  map[string]*tfbridge.DataSourceInfo{},
	}
	for setting, env := range envDefaults {
		p.Config[setting] = &tfbridge.SchemaInfo{Default: &tfbridge.DefaultInfo{EnvVars: []string{env}}}
	}
	for _, m := range resources {
		p.Resources[m.tf] = &tfbridge.ResourceInfo{Tok: ptokens.Type(member(m.module, m.name))}
	}
	for _, m := range dataSources {
		p.DataSources[m.tf] = &tfbridge.DataSourceInfo{Tok: ptokens.ModuleMember(member(m.module, m.name))}
	}

	// Property overrides of the published SDK.
	// Subnet: the singular Terraform block is the SDK's plural list, and the
	// Terraform list of the same pools gets another name.
	p.Resources["openstack_networking_subnet_v2"].Fields = map[string]*tfbridge.SchemaInfo{
		"allocation_pool":  {Name: "allocationPools"},
		"allocation_pools": {Name: "allocationPoolsCollection"},
	}
	// ServerGroup.policies stays a list although Terraform allows one item.
	notOne := false
	p.Resources["openstack_compute_servergroup_v2"].Fields = map[string]*tfbridge.SchemaInfo{
		"policies": {MaxItemsOne: &notOne},
	}
	// StackV1's outputs would clash with the SDK's own "outputs".
	p.Resources["openstack_orchestration_stack_v1"].Fields = map[string]*tfbridge.SchemaInfo{
		"outputs": {Name: "StackOutputs"},
	}
	// Members.member would clash with the class name in C# (kept for schema equality).
	p.Resources["openstack_lb_members_v2"].Fields = map[string]*tfbridge.SchemaInfo{
		"member": {CSharpName: "MemberList"},
	}

	// Anything not listed above (the three fw v2 data sources in v1.54.1) gets the
	// standard token: the Terraform service prefix as the module when it is one
	// the SDK has, else the index module.
	p.MustComputeTokens(tokens.KnownModules("openstack_", "index", []string{
		"blockstorage_", "compute_", "containerinfra_", "dns_", "identity_", "images_",
		"keymanager_", "networking_", "objectstorage_", "orchestration_", "vpnaas_",
	}, tokens.MakeStandard(pkg)))
	// Aliases for renamed tokens and MaxItemsOne changes, recorded in bridge-metadata.json.
	p.MustApplyAutoAliases()
	// Resources with a "name" get <resource name>-<random suffix> when none is given,
	// at most 255 characters (OpenStack's limit for names).
	p.SetAutonaming(255, "-")
	return p
}
