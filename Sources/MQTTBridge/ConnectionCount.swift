import Synchronization

/// How many of the bridge's broker connections are up; `gatehouse_mqtt_connected` is 1 only when all
/// of them are, since each carries its share of the devices.
final class ConnectionCount: Sendable {
    private let up = Atomic<Int>(0)
    private let total: Int
    private let metrics: MQTTBridgeMetrics

    init(total: Int, metrics: MQTTBridgeMetrics) {
        self.total = total
        self.metrics = metrics
    }

    func connected() {
        let now = self.up.add(1, ordering: .relaxed).newValue
        self.metrics.connected.record(now == self.total ? 1 : 0)
    }

    func disconnected() {
        _ = self.up.subtract(1, ordering: .relaxed)
        self.metrics.connected.record(0)
    }
}
