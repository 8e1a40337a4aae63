import VPCWire

/// The mapping misses waiting for the lookup thread: each (VNI, address) once, at most
/// `capacity` of them; a miss past that is dropped and counted (the data plane asks
/// again after its retry interval).
struct LookupQueue {
    struct Key: Hashable {
        var vni: UInt32
        var address: IPAddress
    }

    let capacity: Int
    /// In arrival order, with the data plane's generation of when each was first asked.
    private(set) var waiting: [(key: Key, generation: UInt64)] = []
    private var queued: Set<Key> = []
    private(set) var dropped: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Queues a miss; false if it was waiting already (keeping its first, older generation,
    /// so a configuration installed since still wins) or the queue is full.
    mutating func push(vni: UInt32, _ address: IPAddress, generation: UInt64) -> Bool {
        let key = Key(vni: vni, address: address)
        if queued.contains(key) { return false }
        guard waiting.count < capacity else { dropped &+= 1; return false }
        queued.insert(key)
        waiting.append((key, generation))
        return true
    }

    /// Takes everything waiting.
    mutating func takeAll() -> [(key: Key, generation: UInt64)] {
        let w = waiting
        waiting.removeAll(keepingCapacity: true)
        queued.removeAll(keepingCapacity: true)
        return w
    }
}
