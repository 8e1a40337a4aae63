import Foundation
import VPCDataplane
import VPCModel
import VPCWire

/// One instance on this host as it runs: its namespace, one TAP per ENI, its user-data
/// process and console file.
final class InstanceRuntime {
    let instanceId: String
    let namespace: NetworkNamespace
    /// `<state-dir>/instances/<id>`: user data and console.
    let directory: String
    /// By ENI id.
    var taps: [String: TAPDevice] = [:]
    /// The boot whose user data was started (nil: never).
    var bootedCount: UInt32?
    var userDataPID: Int32?
    var running = false

    init(instanceId: String, stateDirectory: String) {
        self.instanceId = instanceId
        namespace = NetworkNamespace(instanceId: instanceId)
        directory = "\(stateDirectory)/instances/\(instanceId)"
    }

    var consolePath: String { "\(directory)/console.log" }

    /// Namespace, resolv.conf and a TAP per interface (`eth<deviceIndex>`, the ENI's MAC,
    /// MTU 9001). TAPs of interfaces no longer listed must be gone first (`detachUnlisted`):
    /// a new ENI at the same device index opens the same name.
    func bringUp(_ spec: InstanceSpec, network: NetworkSpec?, offloads: Bool) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try namespace.create()
        if let network, let block = network.cidrBlocks.first.flatMap({ IPPrefix(cidr: $0) }) {
            try namespace.writeResolvConf(nameservers: network.dnsServers(resolver: block.ipv4(offset: 2).description),
                                          search: network.domainName)
        }
        for i in spec.interfaces where taps[i.networkInterfaceId] == nil {
            guard let mac = MACAddress(i.macAddress) else { continue }
            taps[i.networkInterfaceId] = try TAPDevice(name: "eth\(i.deviceIndex)", in: namespace, mac: mac, offloads: offloads)
        }
        running = true
    }

    /// Takes out the TAPs of interfaces `spec` no longer lists and returns them (by ENI id)
    /// for the caller to destroy once the data plane has let go of them.
    func detachUnlisted(_ spec: InstanceSpec) -> [String: TAPDevice] {
        let listed = Set(spec.interfaces.map(\.networkInterfaceId))
        let gone = taps.filter { !listed.contains($0.key) }
        for k in gone.keys { taps.removeValue(forKey: k) }
        return gone
    }

    /// Starts (or, for a new boot count, restarts) the user data. `record` is called with
    /// `bootedCount` already set to the new boot, just before the start (the caller saves
    /// it: an agent that dies then does not run the user data again when it restarts); if
    /// the start fails, `bootedCount` goes back.
    func boot(_ spec: InstanceSpec, record: () -> Void = {}) throws {
        guard bootedCount != spec.bootCount else { return }
        let previous = bootedCount
        if bootedCount != nil { namespace.killProcesses() }  // a reboot: the old processes go
        reap()
        var userData: [UInt8] = []
        if let text = spec.userData, !text.isEmpty {
            // Not base64: EC2 would have refused it; boot without it rather than run garbage.
            userData = Data(base64Encoded: text, options: .ignoreUnknownCharacters).map(Array.init) ?? []
        }
        let ipv6 = spec.interfaces.first { $0.deviceIndex == 0 }?.ipv6Addresses ?? []
        bootedCount = spec.bootCount
        record()
        do {
            userDataPID = try UserDataProcess.start(userData: userData, ipv6Addresses: ipv6, namespace: namespace,
                                                    directory: directory, console: consolePath)
        } catch {
            bootedCount = previous
            throw error
        }
    }

    /// Reaps the user-data process if it has exited.
    func reap() {
        if let pid = userDataPID, UserDataProcess.reap(pid) { userDataPID = nil }
    }

    /// Kills the namespace's processes and deletes its namespace; the TAPs are returned to
    /// be destroyed after the data plane has dropped them. The console is kept.
    func takeDown() -> [TAPDevice] {
        let t = Array(taps.values)
        taps = [:]
        running = false
        bootedCount = nil
        return t
    }

    /// After the TAPs are gone: kills processes, deletes the namespace.
    func deleteNamespace() throws {
        namespace.killProcesses()
        reap()
        userDataPID = nil
        try namespace.delete()
    }

    var consoleOutput: String? { UserDataProcess.consoleTail(consolePath) }

    /// Terminated: its user data and console go too.
    func deleteFiles() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
