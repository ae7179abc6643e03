public import DFP
public import NIOCore

/// What the core may ask of the connection a session lives on, without knowing sockets.
///
/// Implemented by the device server; every method may be called from any thread and hops to the
/// connection's event loop itself.
public protocol SessionConnection: AnyObject, Sendable {
    var eventLoop: any EventLoop { get }

    /// Ends the session from outside its connection: sends ERROR `code` (best effort), closes the
    /// connection, and reports the device offline with `reason` unless the session was replaced.
    func terminate(with code: ErrorCode, reason: StatusReason)

    /// Sends a COMMAND frame to the device, if the session is still live.
    func send(_ command: Command)
}
