/**
 * The cluster's PKI, created by the program so the admin kubeconfig needs no SSH back into a VM:
 * the cluster CA, the front-proxy and etcd CAs and the service-account key pair (all written into
 * /etc/kubernetes/pki on every control plane by cloud-init, so kubeadm uses them and joining
 * control planes share them), and the admin client certificate signed by the cluster CA.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { adminGroup } from "./kubeadmConfig";

export interface ClusterPkiArgs {
    /** Kubernetes version (selects the admin group). */
    version: string;
    /**
     * Validity of the CAs in hours (10 years, like kubeadm).
     * @default 87600
     */
    caValidityHours?: number;
    /**
     * Validity of the admin certificate in hours; `pulumi up` renews it 30 days ahead.
     * @default 8760
     */
    adminValidityHours?: number;
}

export const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];
export const ADMIN_USES = ["digital_signature", "key_encipherment", "client_auth"];

/** The PKI files kubeadm expects under /etc/kubernetes/pki on every control plane (PEM). */
export interface ClusterPkiFiles {
    caCert: string;
    caKey: string;
    frontProxyCaCert: string;
    frontProxyCaKey: string;
    etcdCaCert: string;
    etcdCaKey: string;
    saKey: string;
    saPub: string;
}

export class ClusterPki extends pulumi.ComponentResource {
    readonly caCertPem: pulumi.Output<string>;
    /** Secret. */
    readonly caKeyPem: pulumi.Output<string>;
    readonly caPublicKeyPem: pulumi.Output<string>;
    readonly frontProxyCaCertPem: pulumi.Output<string>;
    readonly frontProxyCaKeyPem: pulumi.Output<string>;
    readonly etcdCaCertPem: pulumi.Output<string>;
    readonly etcdCaKeyPem: pulumi.Output<string>;
    readonly saKeyPem: pulumi.Output<string>;
    readonly saPubPem: pulumi.Output<string>;
    readonly adminCertPem: pulumi.Output<string>;
    readonly adminKeyPem: pulumi.Output<string>;
    readonly adminGroup: string;
    /** Every file a control plane needs, together (secret: it holds the CA keys). */
    readonly files: pulumi.Output<ClusterPkiFiles>;

    constructor(name: string, args: ClusterPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:ClusterPki", name, {}, opts);
        const child = { parent: this };
        const caHours = args.caValidityHours ?? 87600;

        const ca = (role: string, commonName: string) => {
            const key = new tls.PrivateKey(`${name}-${role}-key`, { algorithm: "RSA", rsaBits: 2048 }, child);
            const cert = new tls.SelfSignedCert(
                `${name}-${role}`,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName },
                    isCaCertificate: true,
                    validityPeriodHours: caHours,
                    allowedUses: CA_USES,
                    setSubjectKeyId: true,
                },
                child,
            );
            return { key, cert };
        };
        const cluster = ca("ca", "kubernetes");
        const frontProxy = ca("front-proxy-ca", "front-proxy-ca");
        const etcd = ca("etcd-ca", "etcd-ca");
        const sa = new tls.PrivateKey(`${name}-sa-key`, { algorithm: "RSA", rsaBits: 2048 }, child);

        this.adminGroup = adminGroup(args.version);
        const adminKey = new tls.PrivateKey(`${name}-admin-key`, { algorithm: "RSA", rsaBits: 2048 }, child);
        const adminCsr = new tls.CertRequest(
            `${name}-admin-csr`,
            { privateKeyPem: adminKey.privateKeyPem, subject: { commonName: "kubernetes-admin", organization: this.adminGroup } },
            child,
        );
        const admin = new tls.LocallySignedCert(
            `${name}-admin`,
            {
                certRequestPem: adminCsr.certRequestPem,
                caCertPem: cluster.cert.certPem,
                caPrivateKeyPem: cluster.key.privateKeyPem,
                validityPeriodHours: args.adminValidityHours ?? 8760,
                earlyRenewalHours: 720,
                allowedUses: ADMIN_USES,
            },
            child,
        );

        this.caCertPem = cluster.cert.certPem;
        this.caKeyPem = pulumi.secret(cluster.key.privateKeyPem);
        this.caPublicKeyPem = cluster.key.publicKeyPem;
        this.frontProxyCaCertPem = frontProxy.cert.certPem;
        this.frontProxyCaKeyPem = pulumi.secret(frontProxy.key.privateKeyPem);
        this.etcdCaCertPem = etcd.cert.certPem;
        this.etcdCaKeyPem = pulumi.secret(etcd.key.privateKeyPem);
        this.saKeyPem = pulumi.secret(sa.privateKeyPem);
        this.saPubPem = sa.publicKeyPem;
        this.adminCertPem = admin.certPem;
        this.adminKeyPem = pulumi.secret(adminKey.privateKeyPem);
        this.files = pulumi.secret(
            pulumi
                .all([
                    this.caCertPem,
                    this.caKeyPem,
                    this.frontProxyCaCertPem,
                    this.frontProxyCaKeyPem,
                    this.etcdCaCertPem,
                    this.etcdCaKeyPem,
                    this.saKeyPem,
                    this.saPubPem,
                ])
                .apply(([caCert, caKey, frontProxyCaCert, frontProxyCaKey, etcdCaCert, etcdCaKey, saKey, saPub]) => ({
                    caCert,
                    caKey,
                    frontProxyCaCert,
                    frontProxyCaKey,
                    etcdCaCert,
                    etcdCaKey,
                    saKey,
                    saPub,
                })),
        );
        this.registerOutputs({ caCertPem: this.caCertPem, adminCertPem: this.adminCertPem });
    }
}
