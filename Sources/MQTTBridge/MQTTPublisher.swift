import Logging

/// Moves one outbox's messages to its broker connection, at most `window` in flight, until the outbox
/// closes.
struct MQTTPublisher: Sendable {
    let client: MosquittoClient
    let outbox: MQTTOutbox
    let window: Int
    let metrics: MQTTBridgeMetrics
    let logger: Logger
    /// Whether a status message speaks for a session another node has since replaced.
    let isSuperseded: @Sendable (StatusClaim) -> Bool

    func run() async {
        while let batch = await self.outbox.nextBatch(window: self.window) {
            var index = batch.startIndex
            while index < batch.endIndex {
                let message = batch[index]
                if let claim = message.claim, self.isSuperseded(claim) {
                    self.outbox.completed()
                    index += 1
                    continue
                }
                do throws(MosquittoError) {
                    try self.client.publish(
                        topic: message.topic, payload: message.payload, qos: 1, retain: message.retain
                    ) { [outbox, metrics] acknowledged in
                        outbox.completed()
                        if acknowledged {
                            metrics.published.increment()
                            message.confirmation?.succeed()
                        } else {
                            message.confirmation?.fail(MQTTBridgeError.notDelivered)
                        }
                    }
                    index += 1
                } catch  where error.isNotConnected {
                    // Kept, in order, for the next connection.
                    self.outbox.putBack(batch[index...])
                    await self.client.waitUntilConnected()
                    break
                } catch {
                    self.logger.warning(
                        "MQTT publish rejected", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
                    self.outbox.completed()
                    message.confirmation?.fail(MQTTBridgeError.rejected(error))
                    index += 1
                }
            }
        }
    }
}
