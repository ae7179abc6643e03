import DequeModule
import OrderedCollections
import Synchronization

/// The messages of one broker connection that wait to be published, bounded, in order.
///
/// Event loops offer messages and never wait; the connection's publisher takes them in batches no
/// larger than the free part of its in-flight window, so the broker's pace, not memory, limits the
/// flow. Device statuses are kept apart and coalesced by device: a newer status replaces an older one
/// still waiting, so a long outage costs at most one status per device and the retained topic ends
/// with the latest.
final class MQTTOutbox: Sendable {
    private struct State {
        var queue = Deque<OutboundMessage>()
        var statuses = OrderedDictionary<String, OutboundMessage>()
        /// Handed to libmosquitto, not yet acknowledged.
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false

        func hasWork(window: Int) -> Bool {
            self.inFlight < window && (!self.queue.isEmpty || !self.statuses.isEmpty)
        }

        var isDrained: Bool { self.queue.isEmpty && self.statuses.isEmpty && self.inFlight == 0 }

        mutating func takeWaiter() -> CheckedContinuation<Void, Never>? {
            defer { self.waiter = nil }
            return self.waiter
        }
    }

    /// Messages (queued and in flight, statuses aside) past which offers are refused.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `message` unless the outbox is full or closed; false means it was not taken.
    func offer(_ message: OutboundMessage) -> Bool {
        let (accepted, waiter) = self.state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.closed, state.queue.count + state.inFlight < self.capacity else { return (false, nil) }
            state.queue.append(message)
            return (true, state.takeWaiter())
        }
        waiter?.resume()
        return accepted
    }

    /// Queues a retained status, replacing one still waiting with the same `coalescingKey`.
    func offerStatus(_ message: OutboundMessage, onlyIfNonePending: Bool = false) {
        guard let key = message.coalescingKey else { preconditionFailure("a status needs a coalescing key") }
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.closed else { return nil }
            if onlyIfNonePending, state.statuses[key] != nil { return nil }
            state.statuses[key] = message
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// The next messages to publish, statuses first, at most `window` minus those in flight; waits
    /// while there are none or the window is full. Nil once the outbox is closed.
    func nextBatch(window: Int) async -> [OutboundMessage]? {
        while true {
            let batch = self.state.withLock { state -> [OutboundMessage]? in
                guard !state.closed else { return nil }
                var room = window - state.inFlight
                var batch: [OutboundMessage] = []
                while room > 0, let (_, status) = state.statuses.isEmpty ? nil : state.statuses.removeFirst() {
                    batch.append(status)
                    room -= 1
                }
                while room > 0, let message = state.queue.popFirst() {
                    batch.append(message)
                    room -= 1
                }
                state.inFlight += batch.count
                return batch
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state in
                    if state.closed || state.hasWork(window: window) { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Gives back the unpublished tail of a batch (the connection dropped), ahead of everything else,
    /// so the order is kept.
    func putBack(_ messages: some Collection<OutboundMessage>) {
        self.state.withLock { state in
            state.inFlight -= messages.count
            for message in messages.reversed() {
                if let key = message.coalescingKey {
                    // A newer status offered meanwhile wins.
                    if state.statuses[key] == nil {
                        state.statuses.updateValue(message, forKey: key, insertingAt: 0)
                    }
                } else {
                    state.queue.prepend(message)
                }
            }
        }
    }

    /// One message of a batch is done with (acknowledged, abandoned or skipped).
    func completed() {
        let waiter = self.state.withLock { state in
            state.inFlight -= 1
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Messages waiting (in flight ones aside).
    var depth: Int {
        self.state.withLock { $0.queue.count + $0.statuses.count }
    }

    var isDrained: Bool {
        self.state.withLock { $0.isDrained }
    }

    /// Stops taking and handing out messages; returns those still queued, whose confirmations the
    /// caller fails.
    func close() -> [OutboundMessage] {
        let (remaining, waiter) = self.state.withLock { state in
            state.closed = true
            defer {
                state.queue = []
                state.statuses = [:]
            }
            return (Array(state.queue), state.takeWaiter())
        }
        waiter?.resume()
        return remaining
    }
}
