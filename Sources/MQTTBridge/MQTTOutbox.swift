import DequeModule
import OrderedCollections
import Synchronization

/// The messages of one broker connection that wait to be published, bounded, in order.
///
/// Event loops offer messages and never wait. One drainer at a time takes them out, no more than the
/// free part of the connection's in-flight window, so the broker's pace, not memory, limits the flow:
/// under load the drainer is the connection's network thread, refilling the window from each PUBACK;
/// the publisher's task is woken only when the connection was idle. Device statuses are kept apart
/// and coalesced by device: a newer status replaces an older one still waiting, so a long outage costs
/// at most one status per device and the retained topic ends with the latest.
final class MQTTOutbox: Sendable {
    private struct State {
        var queue = Deque<OutboundMessage>()
        var statuses = OrderedDictionary<String, OutboundMessage>()
        /// Handed to libmosquitto, not yet acknowledged.
        var inFlight = 0
        /// Someone is taking and publishing messages; only one may, or messages could be reordered.
        var draining = false
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false

        func hasWork(window: Int) -> Bool {
            self.inFlight < window && (!self.queue.isEmpty || !self.statuses.isEmpty)
        }

        var isDrained: Bool { self.queue.isEmpty && self.statuses.isEmpty && self.inFlight == 0 }

        /// The idle publisher's task, to wake for new work nobody else will pick up: while messages are
        /// in flight, their PUBACKs drain the outbox on the network thread, and a task switch per
        /// message is what that saves.
        mutating func takeWaiterIfIdle() -> CheckedContinuation<Void, Never>? {
            guard !self.draining, self.inFlight == 0 else { return nil }
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
            return (true, state.takeWaiterIfIdle())
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
            return state.takeWaiterIfIdle()
        }
        waiter?.resume()
    }

    /// Becomes the drainer; false when someone else is.
    func beginDrain() -> Bool {
        self.state.withLock { state in
            guard !state.draining, !state.closed else { return false }
            state.draining = true
            return true
        }
    }

    /// The next messages to publish, statuses first, at most `window` minus those in flight; empty when
    /// there are none or the window is full. For the drainer only.
    func takeBatch(window: Int) -> [OutboundMessage] {
        self.state.withLock { state in
            var room = window - state.inFlight
            var batch: [OutboundMessage] = []
            while room > 0, !state.statuses.isEmpty {
                batch.append(state.statuses.removeFirst().value)
                room -= 1
            }
            while room > 0, let message = state.queue.popFirst() {
                batch.append(message)
                room -= 1
            }
            state.inFlight += batch.count
            return batch
        }
    }

    /// Stops draining, unless work arrived that the window has room for: then false, and the caller
    /// drains on, since offers made meanwhile woke nobody.
    func endDrain(window: Int) -> Bool {
        self.state.withLock { state in
            if state.hasWork(window: window), !state.closed { return false }
            state.draining = false
            return true
        }
    }

    /// Waits until there is work nobody is draining, the window has room, or the outbox closed (false).
    func waitForWork(window: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = self.state.withLock { state in
                if state.closed || (state.hasWork(window: window) && !state.draining) { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return self.state.withLock { !$0.closed }
    }

    /// Gives back the unpublished tail of a batch (the connection dropped), ahead of everything else,
    /// so the order is kept, and ends the drain.
    func putBack(_ messages: some Collection<OutboundMessage>) {
        let waiter = self.state.withLock { state in
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
            state.draining = false
            return state.takeWaiterIfIdle()
        }
        waiter?.resume()
    }

    /// One message of a batch is done with (acknowledged, abandoned or skipped).
    func completed() {
        self.state.withLock { $0.inFlight -= 1 }
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
                state.waiter = nil
            }
            return (Array(state.queue), state.waiter)
        }
        waiter?.resume()
        return remaining
    }
}
