import DFP
import GatehouseCore

/// Counts a connection's frames during one read batch, so the shared (atomic) metric counters are
/// touched once per batch instead of once per frame. Only the types that stream are batched; the rare
/// ones (HELLO, BYE, ERROR, COMMAND, ...) go to the metrics directly.
struct FrameTally {
    private var telemetryIn = 0
    private var eventsIn = 0
    private var pingsIn = 0
    private var acksIn = 0
    private var acksOut = 0
    private var pongsOut = 0

    mutating func recordIn(_ type: MessageType, metrics: GatewayMetrics) {
        switch type {
        case .telemetry: self.telemetryIn += 1
        case .event: self.eventsIn += 1
        case .ping: self.pingsIn += 1
        case .ack: self.acksIn += 1
        default: metrics.recordFramesIn(type, count: 1)
        }
    }

    mutating func recordOut(_ type: MessageType, metrics: GatewayMetrics) {
        switch type {
        case .ack: self.acksOut += 1
        case .pong: self.pongsOut += 1
        default: metrics.recordFramesOut(type, count: 1)
        }
    }

    /// Hands the batch's counts to the metrics and starts a new batch.
    mutating func flush(to metrics: GatewayMetrics) {
        if self.telemetryIn > 0 { metrics.recordFramesIn(.telemetry, count: self.telemetryIn) }
        if self.eventsIn > 0 { metrics.recordFramesIn(.event, count: self.eventsIn) }
        if self.pingsIn > 0 { metrics.recordFramesIn(.ping, count: self.pingsIn) }
        if self.acksIn > 0 { metrics.recordFramesIn(.ack, count: self.acksIn) }
        if self.acksOut > 0 { metrics.recordFramesOut(.ack, count: self.acksOut) }
        if self.pongsOut > 0 { metrics.recordFramesOut(.pong, count: self.pongsOut) }
        self = FrameTally()
    }
}
