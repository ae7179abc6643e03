/// A device message that arrived from the broker because another gateway node published it; this
/// node's dashboards show it like their own devices' messages.
public struct PeerMessage: Sendable {
    public enum Kind: Sendable {
        case status, telemetry, event
        /// A step of a command another node owns.
        case command
    }

    public var kind: Kind
    public var deviceID: String
    /// The node that published it.
    public var node: String
    /// The JSON text as published, which is already the live feed's message for it.
    public var text: String

    public init(kind: Kind, deviceID: String, node: String, text: String) {
        self.kind = kind
        self.deviceID = deviceID
        self.node = node
        self.text = text
    }
}
