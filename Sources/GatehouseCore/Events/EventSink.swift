public import NIOCore

/// A consumer of the gateway's event stream: the one seam through which a dashboard, an MQTT bridge or
/// any later integration plugs into the core.
public protocol EventSink: Sendable {
    /// Takes one event. Called on the event loop of the session the event belongs to, so it must return
    /// at once and never block: a sink queues the event (bounded) and does its work elsewhere.
    ///
    /// - Parameters:
    ///   - durable: the device asked for an ACK (ACK_REQ), which the gateway sends only once the event is
    ///     durable downstream.
    ///   - eventLoop: the loop to create a promise on when the sink owes durability.
    /// - Returns: nil when the sink owes nothing for this event; otherwise a future that succeeds once the
    ///   event is durable at the sink (an MQTT broker's PUBACK, say) and fails when it cannot be made so,
    ///   in which case the device gets no ACK and retries.
    func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>?

    /// Called once at shutdown after the last event: deliver what is queued, within reason.
    func finish() async
}

extension EventSink {
    public func finish() async {}
}
