import DFP
import GatehouseCore
import NIOCore

/// The core's handle on a device connection: it can end the session from any thread (a takeover on
/// another event loop, a shutdown) by sending an event down the connection's own pipeline.
final class ChannelSessionConnection: SessionConnection {
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    var eventLoop: any EventLoop { self.channel.eventLoop }

    func terminate(with code: ErrorCode, reason: StatusReason) {
        self.channel.pipeline.fireUserInboundEventTriggered(SessionTermination(code: code, reason: reason))
    }

    func send(_ command: Command) {
        self.channel.pipeline.fireUserInboundEventTriggered(OutgoingCommand(command: command))
    }
}

/// Asks a connection's session handler to send a COMMAND frame.
struct OutgoingCommand: Sendable {
    var command: Command
}

/// Asks a connection's session handler to end the session.
struct SessionTermination: Sendable {
    var code: ErrorCode
    var reason: StatusReason
}
