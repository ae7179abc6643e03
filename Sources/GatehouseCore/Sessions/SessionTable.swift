import Synchronization

/// The live sessions, one per device ID.
///
/// Sharded by the ID's hash so that logins on different event loops rarely meet on a lock; frames of
/// an established session never touch the table at all (the connection holds its session).
public final class SessionTable: Sendable {
    private final class Shard: Sendable {
        let sessions = Mutex<[String: DeviceSession]>([:])
    }

    private let shards: [Shard]
    private let shardMask: Int
    private let liveCount = Atomic<Int>(0)

    /// - Parameter shardCount: rounded up to a power of two.
    public init(shardCount: Int = 64) {
        var count = 1
        while count < shardCount { count <<= 1 }
        self.shards = (0..<count).map { _ in Shard() }
        self.shardMask = count - 1
    }

    private func shard(for deviceID: String) -> Shard {
        self.shards[deviceID.hashValue & self.shardMask]
    }

    /// Makes `session` the device's live session.
    /// - Returns: the session it replaced, which the caller must terminate (takeover).
    public func register(_ session: DeviceSession) -> DeviceSession? {
        let replaced = self.shard(for: session.deviceID).sessions.withLock { sessions in
            sessions.updateValue(session, forKey: session.deviceID)
        }
        if replaced == nil {
            self.liveCount.add(1, ordering: .relaxed)
        }
        return replaced
    }

    /// Removes `session` if it is still the device's live session.
    /// - Returns: false when another session has replaced it, in which case the device is still online.
    public func remove(_ session: DeviceSession) -> Bool {
        let removed = self.shard(for: session.deviceID).sessions.withLock { sessions in
            guard sessions[session.deviceID] === session else { return false }
            sessions[session.deviceID] = nil
            return true
        }
        if removed {
            self.liveCount.subtract(1, ordering: .relaxed)
        }
        return removed
    }

    public func session(for deviceID: String) -> DeviceSession? {
        self.shard(for: deviceID).sessions.withLock { $0[deviceID] }
    }

    public var count: Int { self.liveCount.load(ordering: .relaxed) }

    /// A snapshot of every live session, shard by shard.
    public func allSessions() -> [DeviceSession] {
        var all: [DeviceSession] = []
        all.reserveCapacity(self.count)
        for shard in self.shards {
            shard.sessions.withLock { all.append(contentsOf: $0.values) }
        }
        return all
    }
}
