import DequeModule
import Synchronization

/// The command IDs of the deliveries this node took lately. The broker may hand a QoS 1 message over
/// twice (after a reconnect, before its PUBACK); the second copy must not reach the device again.
final class RecentDeliveries: Sendable {
    private struct State {
        var ids: Set<String> = []
        var order: Deque<String> = []
    }

    private let state = Mutex(State())
    /// Far more than can be in flight at once: a copy comes again within a reconnect, not a day later.
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Records `id`; false when it was already there.
    func insert(_ id: String) -> Bool {
        self.state.withLock { state in
            guard state.ids.insert(id).inserted else { return false }
            state.order.append(id)
            if state.order.count > self.capacity, let oldest = state.order.popFirst() {
                state.ids.remove(oldest)
            }
            return true
        }
    }
}
