public import DFP
public import NIOCore
public import NIOPosix

/// One device's TCP connection to a gateway, speaking DFP/1: send packets (or raw bytes, to misbehave
/// on purpose) and receive what the gateway sends, with a timeout.
public actor DeviceConnection {
    /// Nothing arrived within the time given to `receive`.
    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "no frame from the gateway in time" }
    }

    private let channel: any Channel
    private let inbox: FrameInbox

    private init(channel: any Channel, inbox: FrameInbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects to `host:port`.
    public static func connect(
        host: String,
        port: Int,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        receiveBufferSize: Int? = nil
    ) async throws -> DeviceConnection {
        let inbox = FrameInbox()
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(FrameDecoder()),
                    FrameForwarder(inbox: inbox)
                )
            }
        }.connect(host: host, port: port).get()
        return DeviceConnection(channel: channel, inbox: inbox)
    }

    /// Sends one packet.
    public func send(_ message: Message, seq: UInt16 = 0, flags: FrameFlags = []) async throws {
        var buffer = self.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(message, flags: flags, seq: seq)
        try await self.channel.writeAndFlush(buffer)
    }

    /// Sends bytes as they are, valid or not.
    public func sendRaw(_ bytes: some Sequence<UInt8>) async throws {
        try await self.channel.writeAndFlush(self.channel.allocator.buffer(bytes: bytes))
    }

    /// The next packet from the gateway, or nil once the gateway closed the connection.
    /// - Throws: `Timeout` when nothing arrives within `timeout`; a protocol error for a bad frame.
    public func receive(timeout: Duration = .seconds(5)) async throws -> Packet? {
        guard let frame = try await self.inbox.next(timeout: TimeAmount(timeout), on: self.channel.eventLoop) else {
            return nil
        }
        return try Packet(frame: frame)
    }

    /// Whether the gateway has closed the connection (after reading everything it sent).
    public func isClosed(within timeout: Duration = .seconds(5)) async throws -> Bool {
        do {
            while try await self.receive(timeout: timeout) != nil {}
        } catch let error as IOError where error.errnoCode == ECONNRESET {
            // A reset closes the connection as surely as a FIN.
        }
        return true
    }

    /// Stops reading from the socket, as a device whose firmware hung would: the gateway's writes
    /// then pile up in the kernel's buffers and its own.
    public func stopReading() async throws {
        try await self.channel.setOption(.autoRead, value: false).get()
    }

    public func close() async {
        try? await self.channel.close()
    }
}

/// Hands decoded frames (and the end of the connection) to the `FrameInbox` of their connection.
private final class FrameForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = Frame

    private let inbox: FrameInbox

    init(inbox: FrameInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.inbox.deliver(.success(Self.unwrapInboundIn(data)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.inbox.deliver(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.inbox.finish()
        context.fireChannelInactive()
    }
}
