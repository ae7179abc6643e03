import Logging

/// Moves one outbox's messages to its broker connection, at most `window` in flight, until the outbox
/// closes.
///
/// Each PUBACK refills the window from the connection's network thread (`drain`), so a busy connection
/// costs no task switch per message; the task in `run` only picks up work that arrives while the
/// connection is idle, and waits out disconnections.
struct MQTTPublisher: Sendable {
    let client: MosquittoClient
    let outbox: MQTTOutbox
    let window: Int
    let metrics: MQTTBridgeMetrics
    let logger: Logger
    /// Whether a status message speaks for a session another node has since replaced.
    let isSuperseded: @Sendable (StatusClaim) -> Bool

    func run() async {
        while await self.outbox.waitForWork(window: self.window) {
            if self.drain() == .disconnected {
                await self.client.waitUntilConnected()
            }
        }
    }

    enum DrainOutcome {
        /// Nothing more to publish now (or another thread is draining).
        case idle
        /// The connection is down; what was taken went back to the outbox.
        case disconnected
    }

    /// Publishes what the window has room for, until nothing is left; a no-op while another thread is
    /// draining. Never waits: libmosquitto only queues the packet for its network thread.
    @discardableResult
    func drain() -> DrainOutcome {
        guard self.outbox.beginDrain() else { return .idle }
        while true {
            let batch = self.outbox.takeBatch(window: self.window)
            if batch.isEmpty {
                if self.outbox.endDrain(window: self.window) { return .idle }
                continue
            }
            for index in batch.indices {
                if !self.publish(batch[index]) {
                    self.outbox.putBack(batch[index...])
                    return .disconnected
                }
            }
        }
    }

    /// Hands one message to libmosquitto; false when the connection is down.
    private func publish(_ message: OutboundMessage) -> Bool {
        if let claim = message.claim, self.isSuperseded(claim) {
            self.outbox.completed()
            return true
        }
        do throws(MosquittoError) {
            try self.client.publish(topic: message.topic, payload: message.payload, qos: 1, retain: message.retain) {
                acknowledged in
                self.outbox.completed()
                if acknowledged {
                    self.metrics.published.increment()
                    message.confirmation?.succeed()
                } else {
                    message.confirmation?.fail(MQTTBridgeError.notDelivered)
                }
                self.drain()
            }
            return true
        } catch  where error.isNotConnected {
            return false
        } catch {
            self.logger.warning("MQTT publish rejected", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
            self.outbox.completed()
            message.confirmation?.fail(MQTTBridgeError.rejected(error))
            return true
        }
    }
}
