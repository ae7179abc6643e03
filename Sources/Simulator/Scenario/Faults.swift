/// What goes wrong with a fleet's devices, as it does in the field. Fractions are of devices (or, for
/// corrupted frames, of telemetry frames); every fault but a slow reader makes the gateway answer with
/// its ERROR code, and devices reconnect after `reconnectAfter` as firmware does.
public struct Faults: Sendable, Equatable {
    /// Mean time between a device's own disconnects (drawn at random); nil: devices stay connected.
    public var disconnectEvery: Duration?
    /// The back-off before a device reconnects, drawn from this range.
    public var reconnectAfter: ClosedRange<Double> = 1...5
    /// Devices that stop sending anything after WELCOME but keep the socket (ERROR 8 expected).
    public var silent: Double = 0
    /// Telemetry frames sent with a wrong CRC (ERROR 2 expected).
    public var corruptCRC: Double = 0
    /// Devices that send one frame larger than any gateway accepts (ERROR 4 expected).
    public var oversize: Double = 0
    /// Devices that stop reading from the socket.
    public var slowReader: Double = 0
    /// Devices that log in a second time with the same ID (ERROR 7 to the first connection expected).
    public var duplicateID: Double = 0

    public init() {}

    public var isEmpty: Bool { self == Faults() }
}
