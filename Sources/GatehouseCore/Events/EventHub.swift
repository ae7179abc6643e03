public import NIOCore

/// Fans every event out to the gateway's sinks.
///
/// The sink list is fixed when the gateway is assembled, so publishing reads an immutable array: no lock
/// and no allocation on the telemetry path unless a sink owes durability.
public final class EventHub: Sendable {
    public let sinks: [any EventSink]

    public init(sinks: [any EventSink] = []) {
        self.sinks = sinks
    }

    /// Hands `event` to every sink.
    ///
    /// - Returns: nil when no sink owes durability (the event counts as delivered once handed over);
    ///   otherwise a future that succeeds when every sink that owes durability confirmed it.
    @inlinable
    public func publish(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        var pending: [EventLoopFuture<Void>] = []
        for sink in self.sinks {
            if let confirmation = sink.receive(event, durable: durable, on: eventLoop) {
                pending.append(confirmation)
            }
        }
        switch pending.count {
        case 0: return nil
        case 1: return pending[0]
        default: return EventLoopFuture.andAllSucceed(pending, on: eventLoop)
        }
    }

    /// Lets every sink deliver what it still holds; the last step of a graceful shutdown.
    public func finish() async {
        await withTaskGroup(of: Void.self) { group in
            for sink in self.sinks {
                group.addTask { await sink.finish() }
            }
        }
    }
}
