/// A registered device as the registry shows it; the token's hash never leaves the registry.
public struct DeviceRecord: Hashable, Sendable {
    public var id: String
    /// The profile name (a file in `devices/`) used to name its fields; nil when the device has none.
    public var profile: String?
    /// Unix epoch milliseconds.
    public var createdAtMs: Int64
    /// Unix epoch milliseconds of the current token's creation; equals `createdAtMs` until the first rotation.
    public var tokenRotatedAtMs: Int64

    public init(id: String, profile: String?, createdAtMs: Int64, tokenRotatedAtMs: Int64) {
        self.id = id
        self.profile = profile
        self.createdAtMs = createdAtMs
        self.tokenRotatedAtMs = tokenRotatedAtMs
    }
}
