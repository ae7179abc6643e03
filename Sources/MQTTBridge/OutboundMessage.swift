import NIOCore

/// A message waiting for the broker.
struct OutboundMessage: Sendable {
    var topic: String
    var payload: [UInt8]
    var retain: Bool
    /// Completed once the broker has it (PUBACK), failed if it never will; a device's ACK waits on it.
    var confirmation: EventLoopPromise<Void>?
    /// For a retained status (of a device or of this node): a newer message with the same key replaces
    /// this one while both wait.
    var coalescingKey: String?
    /// For a device status: the session it speaks for, so that it is not published once another node
    /// has published a newer status for the device.
    var claim: StatusClaim?

    init(
        topic: String,
        payload: [UInt8],
        retain: Bool = false,
        confirmation: EventLoopPromise<Void>? = nil,
        coalescingKey: String? = nil,
        claim: StatusClaim? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.retain = retain
        self.confirmation = confirmation
        self.coalescingKey = coalescingKey
        self.claim = claim
    }
}

/// Which session of which node a status message speaks for, and how to order such claims across nodes.
struct StatusClaim: Sendable {
    var deviceID: String
    var node: String
    /// When the session opened (Unix epoch ms): the later session is the device's live one.
    var sessionStartMs: Int64

    /// Orders sessions by start time, and by node name for equal times, so two nodes never both
    /// consider themselves the newer one.
    static func isNewer(_ timestampMs: Int64, node: String, than other: Int64, node otherNode: String) -> Bool {
        timestampMs != other ? timestampMs > other : node > otherNode
    }
}
