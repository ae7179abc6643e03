public import CoreMetrics
public import GatehouseCore
public import NIOCore

/// The bridge's sink: turns the gateway's events into MQTT messages and queues them in the outboxes,
/// never waiting. Created before the gateway (whose sinks are fixed when it is built) and then handed
/// to the `MQTTBridge` service, which publishes what it queues.
///
/// Telemetry and events go to the data connections, chosen by device so each device's messages stay
/// in order; statuses and command results go to the control connection.
public final class MQTTBridgeSink: EventSink {
    let topics: MQTTTopics
    let nodeID: String
    let control: MQTTOutbox
    let data: [MQTTOutbox]
    let metrics: MQTTBridgeMetrics
    /// Command results that may wait for the broker; commands are few next to telemetry.
    static let commandResultBound = 10_000

    /// How long `finish` waits for the outboxes to drain at shutdown.
    let flushTimeout: Duration
    /// Commands for devices on other nodes, waiting for their results.
    let forwardedCommands = ForwardedCommands()
    /// Questions to other nodes about their command records, collecting answers.
    let pendingQueries = PendingQueries()

    /// - Parameter dataConnections: broker connections for telemetry and events; one connection is
    ///   bound by its PUBACK round trips, so more of them carry more messages per second.
    public init(
        settings: GatewaySettings,
        dataConnections: Int = 2,
        flushTimeout: Duration = .seconds(5),
        metricsFactory: any MetricsFactory
    ) {
        self.topics = MQTTTopics(prefix: settings.mqttPrefix)
        self.nodeID = settings.nodeID
        let connections = max(1, dataConnections)
        // `--mqtt-outbox` bounds the device messages, shared by the data connections. The control
        // connection holds command results (bounded apart) and statuses, at most one per device.
        let share = max(1, settings.mqttOutbox / connections)
        self.control = MQTTOutbox(capacity: Self.commandResultBound)
        self.data = (0..<connections).map { _ in MQTTOutbox(capacity: share) }
        self.metrics = MQTTBridgeMetrics(factory: metricsFactory)
        self.flushTimeout = flushTimeout
    }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        switch event {
        case .telemetry(let report):
            let payload = EventMessage.telemetry(report, node: self.nodeID)
            return self.publish(
                payload, topic: self.topics.telemetry(report.deviceID), device: report.deviceID,
                durable: durable, on: eventLoop)
        case .event(let report):
            let payload = EventMessage.event(report, node: self.nodeID)
            return self.publish(
                payload, topic: self.topics.events(report.deviceID), device: report.deviceID,
                durable: durable, on: eventLoop)
        case .status(let change):
            self.control.offerStatus(self.statusMessage(change))
            return nil
        case .command(let record):
            self.publishResult(EventMessage.command(record), deviceID: record.deviceID)
            return nil
        case .commandResult, .peer:
            return nil
        }
    }

    private func publish(
        _ payload: [UInt8],
        topic: String,
        device: String,
        durable: Bool,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void>? {
        let confirmation = durable ? eventLoop.makePromise(of: Void.self) : nil
        let outbox = self.data[Int(UInt(bitPattern: device.hashValue) % UInt(self.data.count))]
        let message = OutboundMessage(topic: topic, payload: payload, confirmation: confirmation)
        if outbox.offer(message) {
            return confirmation?.futureResult
        }
        guard let confirmation else {
            self.metrics.dropped.increment()
            return nil
        }
        self.metrics.refused.increment()
        confirmation.fail(MQTTBridgeError.outboxFull)
        return confirmation.futureResult
    }

    /// The retained status message of a change, claiming its session.
    func statusMessage(_ change: StatusChange) -> OutboundMessage {
        OutboundMessage(
            topic: self.topics.status(change.deviceID),
            payload: EventMessage.status(change).serializedBytes(),
            retain: true,
            coalescingKey: change.deviceID,
            claim: StatusClaim(
                deviceID: change.deviceID, node: change.node, sessionStartMs: change.session.connectedAtMs)
        )
    }

    /// Queues a command's result on the control connection.
    func publishResult(_ payload: JSONValue, deviceID: String) {
        self.publishControl(payload.serializedBytes(), topic: self.topics.commandResult(deviceID))
    }

    /// Queues a message on the control connection (commands and answers between nodes); one past its
    /// bound is dropped and counted.
    func publishControl(_ payload: [UInt8], topic: String) {
        if !self.control.offer(OutboundMessage(topic: topic, payload: payload)) {
            self.metrics.dropped.increment()
        }
    }

    /// Queues this node's retained `online` or `offline`. The key cannot clash with a device ID, which
    /// never contains a space.
    func publishNodeStatus(online: Bool) {
        self.control.offerStatus(
            OutboundMessage(
                topic: self.topics.nodeStatus(self.nodeID), payload: Array((online ? "online" : "offline").utf8),
                retain: true, coalescingKey: "node status"))
    }

    var outboxes: [MQTTOutbox] { [self.control] + self.data }

    /// At shutdown, after the last session closed: waits (bounded) until the broker has every queued
    /// message, the sessions' offline statuses included.
    public func finish() async {
        let deadline = ContinuousClock.now + self.flushTimeout
        while ContinuousClock.now < deadline, !self.outboxes.allSatisfy(\.isDrained) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
