import CoreMetrics

/// The bridge's metrics: what reached the broker, what waits, and what was given up.
final class MQTTBridgeMetrics: Sendable {
    /// Messages the broker acknowledged.
    let published: Counter
    /// Messages without ACK_REQ dropped because the outbox was full.
    let dropped: Counter
    /// ACK_REQ messages refused because the outbox was full (the device gets no ACK and retries).
    let refused: Counter
    /// 1 while the broker connection is up.
    let connected: Gauge
    /// Successful (re)connections to the broker.
    let connections: Counter
    /// Messages received on the bridge's subscriptions.
    let received: Counter
    let commandsReceived: Counter

    init(factory: any MetricsFactory) {
        self.published = Counter(label: "gatehouse_mqtt_published_total", factory: factory)
        self.dropped = Counter(label: "gatehouse_mqtt_dropped_total", factory: factory)
        self.refused = Counter(label: "gatehouse_mqtt_refused_total", factory: factory)
        self.connected = Gauge(label: "gatehouse_mqtt_connected", factory: factory)
        self.connections = Counter(label: "gatehouse_mqtt_connections_total", factory: factory)
        self.received = Counter(label: "gatehouse_mqtt_received_total", factory: factory)
        self.commandsReceived = Counter(label: "gatehouse_mqtt_commands_total", factory: factory)
    }
}
