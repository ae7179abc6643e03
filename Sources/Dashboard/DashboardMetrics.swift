import CoreMetrics

/// The dashboard's metrics: who is watching, and what slow watchers cost.
struct DashboardMetrics: Sendable {
    let webSocketClients: Meter
    /// Telemetry messages dropped because a client's queue was full.
    let droppedMessages: Counter
    /// Clients cut off because even the messages that are never dropped no longer fit.
    let disconnectedSlowClients: Counter

    init(factory: any MetricsFactory) {
        self.webSocketClients = Meter(label: "gatehouse_websocket_clients", factory: factory)
        self.droppedMessages = Counter(label: "gatehouse_websocket_dropped_messages_total", factory: factory)
        self.disconnectedSlowClients = Counter(
            label: "gatehouse_websocket_slow_clients_disconnected_total", factory: factory)
    }
}
