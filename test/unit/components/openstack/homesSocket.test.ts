import * as assert from "assert";
import { homesSocketUnit } from "../../../../components/openstack/dockerVmCloudInit";

describe("jhp-homes.socket", () => {
    it("lets the hub (uid 10001 in the Docker socket's group) connect through its read-only bind mount", () => {
        const unit = homesSocketUnit();
        assert.match(unit, /^SocketGroup=docker$/m);
        assert.match(unit, /^SocketMode=0660$/m);
        assert.match(unit, /^DirectoryMode=0755$/m);
        assert.match(unit, /^Accept=yes$/m);
    });
});
