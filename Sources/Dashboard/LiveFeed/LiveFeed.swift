import Atomics
import GatehouseCore
import NIOCore

/// Fans the gateway's events out to every connected dashboard client, as an `EventSink`.
///
/// The client list is an immutable array swapped atomically when a client joins or leaves, so
/// publishing an event (on a device's event loop) reads it without a lock; each event is encoded to
/// JSON once, and only if some client wants it.
final class LiveFeed: EventSink {
    private final class Clients: AtomicReference, Sendable {
        let all: [LiveFeedClient]
        init(_ all: [LiveFeedClient]) { self.all = all }
    }

    private let clients = ManagedAtomic(Clients([]))
    let metrics: DashboardMetrics
    /// This gateway node, named in the messages of its own devices.
    let nodeID: String

    init(nodeID: String, metrics: DashboardMetrics) {
        self.nodeID = nodeID
        self.metrics = metrics
    }

    func add(_ client: LiveFeedClient) {
        self.update { $0 + [client] }
        self.metrics.webSocketClients.increment()
    }

    func remove(_ client: LiveFeedClient) {
        self.update { $0.filter { $0 !== client } }
        self.metrics.webSocketClients.decrement()
    }

    private func update(_ change: ([LiveFeedClient]) -> [LiveFeedClient]) {
        var current = self.clients.load(ordering: .acquiring)
        while true {
            let (exchanged, original) = self.clients.compareExchange(
                expected: current,
                desired: Clients(change(current.all)),
                ordering: .acquiringAndReleasing
            )
            if exchanged { return }
            current = original
        }
    }

    func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        let clients = self.clients.load(ordering: .acquiring).all
        guard !clients.isEmpty else { return nil }
        let deviceID = event.deviceID
        var message: String?
        for client in clients where client.wants(deviceID) {
            let text = message ?? self.encode(event)
            message = text
            guard let text else { return nil }
            switch client.enqueue(text, droppable: event.isTelemetry) {
            case .queued: break
            case .dropped: self.metrics.droppedMessages.increment()
            case .overflowed: break  // its session ends it and counts it
            }
        }
        return nil
    }

    /// At shutdown: every client's writer drains its queue and closes the socket.
    func closeClients() {
        for client in self.clients.load(ordering: .acquiring).all {
            client.finish()
        }
    }

    /// The live-feed message for an event; command results are answered to the client that asked, and
    /// another node's messages arrive already encoded.
    private func encode(_ event: GatewayEvent) -> String? {
        switch event {
        case .telemetry(let report): String(decoding: EventMessage.telemetry(report, node: self.nodeID), as: UTF8.self)
        case .event(let report): String(decoding: EventMessage.event(report, node: self.nodeID), as: UTF8.self)
        case .status(let change): EventMessage.status(change).serialized()
        case .command(let record): EventMessage.command(record).serialized()
        case .commandResult: nil
        case .peer(let message): message.text
        }
    }
}

extension GatewayEvent {
    /// Telemetry may be dropped for a client that falls behind; the next report replaces it anyway.
    var isTelemetry: Bool {
        switch self {
        case .telemetry: true
        case .peer(let message): message.kind == .telemetry
        default: false
        }
    }
}
