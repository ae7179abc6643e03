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
}

/// Asks a connection's session handler to end the session.
struct SessionTermination: Sendable {
    var code: ErrorCode
    var reason: StatusReason
}
