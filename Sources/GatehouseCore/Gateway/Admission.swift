/// The gateway's decision to let a device in: what its session will be decoded with.
public struct Admission: Sendable {
    public var profile: DeviceProfile?
    /// False when the device was admitted only because unknown devices are allowed.
    public var registered: Bool

    public init(profile: DeviceProfile?, registered: Bool) {
        self.profile = profile
        self.registered = registered
    }
}
