import DequeModule
import GatehouseCore
import Synchronization

/// One WebSocket client of the live feed: what it subscribed to, and a bounded queue of messages
/// waiting to be written to it.
///
/// The queue is what keeps a slow browser from slowing device ingestion or growing memory: telemetry
/// beyond `capacity` is dropped and counted (the client is told how much with a `lagged` message);
/// other messages are never dropped, and a client so far behind that even those overflow the reserve
/// is disconnected instead.
final class LiveFeedClient: Sendable {
    enum Subscription: Sendable, Equatable {
        case all(except: Set<String>)
        case only(Set<String>)

        func includes(_ deviceID: String) -> Bool {
            switch self {
            case .all(let excluded): !excluded.contains(deviceID)
            case .only(let included): included.contains(deviceID)
            }
        }
    }

    private struct State {
        var queue: Deque<String> = []
        var droppedSinceNotice = 0
        var overflowed = false
        var finished = false
        var waiter: CheckedContinuation<[String]?, Never>?
        var subscription = Subscription.all(except: [])
    }

    /// Telemetry is queued up to this many messages.
    let capacity: Int
    /// Messages that are never dropped may use this many more before the client is cut off.
    let reserve: Int
    private let state = Mutex(State())

    init(capacity: Int, reserve: Int) {
        self.capacity = capacity
        self.reserve = reserve
    }

    func wants(_ deviceID: String) -> Bool {
        self.state.withLock { $0.subscription.includes(deviceID) }
    }

    var subscription: Subscription {
        get { self.state.withLock { $0.subscription } }
        set { self.state.withLock { $0.subscription = newValue } }
    }

    /// Outcome of offering a message to the queue.
    enum Delivery {
        case queued, dropped, overflowed
    }

    /// Queues `message`; called from event loops, so it never waits.
    @discardableResult
    func enqueue(_ message: String, droppable: Bool) -> Delivery {
        let (delivery, waiter): (Delivery, CheckedContinuation<[String]?, Never>?) = self.state.withLock { state in
            guard !state.finished, !state.overflowed else { return (.overflowed, nil) }
            if droppable, state.queue.count >= self.capacity {
                state.droppedSinceNotice += 1
                return (.dropped, nil)
            }
            if state.queue.count >= self.capacity + self.reserve {
                state.overflowed = true
                defer { state.waiter = nil }
                return (.overflowed, state.waiter)
            }
            state.queue.append(message)
            defer { state.waiter = nil }
            return (.queued, state.waiter)
        }
        if let waiter {
            waiter.resume(returning: delivery == .overflowed ? nil : self.takeBatch())
        }
        return delivery
    }

    /// Puts the snapshot ahead of anything queued while it was being taken: events queued meanwhile are
    /// already reflected in it or newer than it, so the client sees them in a sensible order.
    func prepend(_ message: String) {
        self.state.withLock { $0.queue.prepend(message) }
    }

    /// Waits for the next messages to write, with a `lagged` notice first when telemetry was dropped;
    /// nil when the client is finished or was cut off for falling too far behind.
    func nextBatch() async -> [String]? {
        await withCheckedContinuation { continuation in
            let ready = self.state.withLock { state -> Bool in
                if state.finished || state.overflowed || !state.queue.isEmpty { return true }
                state.waiter = continuation
                return false
            }
            if ready {
                continuation.resume(returning: self.takeBatch())
            }
        }
    }

    private func takeBatch() -> [String]? {
        self.state.withLock { state in
            guard !state.overflowed, !state.finished || !state.queue.isEmpty else { return nil }
            var batch: [String] = []
            batch.reserveCapacity(state.queue.count + 1)
            if state.droppedSinceNotice > 0 {
                batch.append(EventMessage.lagged(dropped: state.droppedSinceNotice).serialized())
                state.droppedSinceNotice = 0
            }
            batch.append(contentsOf: state.queue)
            state.queue.removeAll(keepingCapacity: state.queue.count <= 64)
            return batch
        }
    }

    /// Ends the client's writer: `nextBatch` drains what is queued, then returns nil.
    func finish() {
        let waiter = self.state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    var isCutOff: Bool { self.state.withLock { $0.overflowed } }
}
