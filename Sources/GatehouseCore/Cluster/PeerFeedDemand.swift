import Synchronization

/// Whether anyone on this node is watching the deployment live: the dashboard counts its clients
/// here, and the MQTT bridge receives other nodes' telemetry and events from the broker only while
/// someone is. Every message of the whole deployment would otherwise reach every node, doubling the
/// broker's work, for nobody.
public final class PeerFeedDemand: Sendable {
    private struct State {
        var viewers = 0
        var observers: [@Sendable (Bool) -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func viewerJoined() {
        self.state.withLock { state in
            state.viewers += 1
            if state.viewers == 1 {
                for observer in state.observers { observer(true) }
            }
        }
    }

    public func viewerLeft() {
        self.state.withLock { state in
            state.viewers -= 1
            if state.viewers == 0 {
                for observer in state.observers { observer(false) }
            }
        }
    }

    /// Calls `observer` with true when the first viewer joins and false when the last leaves (at once
    /// with true if someone is watching already). Called under a lock, in order: it must be quick.
    public func observe(_ observer: @escaping @Sendable (Bool) -> Void) {
        self.state.withLock { state in
            state.observers.append(observer)
            if state.viewers > 0 { observer(true) }
        }
    }
}
