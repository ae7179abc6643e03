import Synchronization

/// A dictionary split over independently locked shards, so that event loops updating different keys
/// rarely meet on a lock: the directories' storage.
public final class ShardedDictionary<Value: Sendable>: Sendable {
    private final class Shard: Sendable {
        let entries = Mutex<[String: Value]>([:])
    }

    private let shards: [Shard]

    public init(shardCount: Int = 64) {
        self.shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(for key: String) -> Shard {
        self.shards[Int(UInt(bitPattern: key.hashValue) % UInt(self.shards.count))]
    }

    /// Changes the key's entry under its shard's lock.
    public func update<Result>(_ key: String, _ body: (inout Value?) -> Result) -> Result {
        self.shard(for: key).entries.withLock { entries in body(&entries[key]) }
    }

    public subscript(key: String) -> Value? {
        self.shard(for: key).entries.withLock { $0[key] }
    }

    /// A copy of every entry; shards are read one after the other, not as one atomic snapshot.
    public func all() -> [String: Value] {
        var all: [String: Value] = [:]
        for shard in self.shards {
            shard.entries.withLock { all.merge($0) { _, new in new } }
        }
        return all
    }
}
