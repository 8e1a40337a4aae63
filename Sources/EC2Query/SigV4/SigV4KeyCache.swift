// Derived SigV4 signing keys, cached per (secret, date, region, service).
// Deriving one costs four HMACs; a request needs one more, so the cache roughly halves verify().

internal import Synchronization

final class SigV4KeyCache: Sendable {
    private struct Key: Hashable {
        var secret: String
        var date: String  // small strings: stored inline, no allocation
        var region: String
        var service: String
    }

    private let capacity: Int
    private let storage = Mutex<[Key: SigV4HMACKey]>([:])

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    func key(secret: String, date: String, region: String, service: String) -> SigV4HMACKey {
        let k = Key(secret: secret, date: date, region: region, service: service)
        if let hit = storage.withLock({ $0[k] }) { return hit }
        let derived = SigV4Canonical.signingKey(secret: secret, date: date[...], region: region[...], service: service[...])
        storage.withLock { cache in
            // Bounded: keys roll over daily, so dropping everything when full is good enough.
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[k] = derived
        }
        return derived
    }
}
