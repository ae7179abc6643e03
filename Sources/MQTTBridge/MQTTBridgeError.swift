/// Why a message did not reach the broker; the device's ACK is withheld, so it retries.
enum MQTTBridgeError: Error, CustomStringConvertible {
    /// The outbox holds `--mqtt-outbox` messages already.
    case outboxFull
    /// The bridge stopped before the broker acknowledged the message.
    case notDelivered
    /// libmosquitto refused the message itself (too large for the broker, say).
    case rejected(MosquittoError)

    var description: String {
        switch self {
        case .outboxFull: "the MQTT outbox is full"
        case .notDelivered: "the MQTT bridge stopped before the broker acknowledged the message"
        case .rejected(let error): "\(error)"
        }
    }
}
