import GatehouseCore
import Synchronization

/// Commands this node published for devices on other nodes, waiting for their results.
final class ForwardedCommands: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<JSONValue?, Never>]>([:])
    private let counter = Atomic<UInt64>(0)

    init() {}

    func nextRequestID() -> String {
        "fwd-\(self.counter.add(1, ordering: .relaxed).newValue)"
    }

    func register(_ requestID: String, _ continuation: CheckedContinuation<JSONValue?, Never>) {
        self.waiting.withLock { $0[requestID] = continuation }
    }

    /// Resumes the caller once: the first of the result and the timeout wins.
    func resolve(_ requestID: String, with result: JSONValue?) {
        self.waiting.withLock { $0.removeValue(forKey: requestID) }?.resume(returning: result)
    }
}
