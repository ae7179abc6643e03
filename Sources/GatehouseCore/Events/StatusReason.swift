/// Why a device went online or offline. The reasons describe the device, not a connection: a takeover
/// moves the device to a new connection without it ever being shown offline.
public enum StatusReason: String, Hashable, Sendable, CaseIterable {
    /// A HELLO opened a session for a device that had none.
    case hello
    /// A HELLO replaced the device's live session (on this or another connection).
    case takeover
    /// The device said BYE.
    case bye
    /// No valid frame within heartbeat × 1.5.
    case timeout
    /// A protocol error, a dropped connection or a device that stopped reading.
    case error
    /// The gateway is shutting down.
    case shutdown
}
