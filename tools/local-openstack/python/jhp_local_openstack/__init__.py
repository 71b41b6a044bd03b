"""Small pieces the local OpenStack (tools/local-openstack) plugs into Debian's Zed services."""
