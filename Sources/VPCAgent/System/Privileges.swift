import CVPCLinux

/// Whether this process may create namespaces and TAP devices (root, or CAP_NET_ADMIN and
/// CAP_SYS_ADMIN in its effective set).
public enum Privileges {
    public static var canManageNetworks: Bool { vpc_has_net_admin() != 0 }
}
