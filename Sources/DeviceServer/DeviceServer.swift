public import GatehouseCore
public import Logging
public import NIOCore
import NIOExtras
public import NIOPosix
public import ServiceLifecycle

/// The TCP listener devices connect to, run as a service: it accepts connections until a graceful
/// shutdown, then stops accepting, sends every connection ERROR 10, lets each flush, and reports every
/// session offline with reason `shutdown` before it returns.
public final class DeviceServer: Service {
    private let gateway: Gateway
    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let boundAddress: EventLoopPromise<SocketAddress>
    /// How long shutdown waits for connections to flush and close before it closes them regardless.
    private let drainTimeout: TimeAmount

    public init(
        gateway: Gateway,
        group: any EventLoopGroup,
        threadPool: NIOThreadPool = .singleton,
        drainTimeout: TimeAmount = .seconds(3),
        logger: Logger
    ) {
        self.gateway = gateway
        self.group = group
        self.threadPool = threadPool
        self.drainTimeout = drainTimeout
        self.logger = logger
        self.boundAddress = group.any().makePromise()
    }

    /// The address the listener is bound to, once it is (port 0 asks the system for a free port).
    public var localAddress: SocketAddress {
        get async throws { try await self.boundAddress.futureResult.get() }
    }

    public func run() async throws {
        let quiesce = ServerQuiescingHelper(group: self.group)
        let serverChannel: any Channel
        do {
            serverChannel = try await self.makeBootstrap(quiesce: quiesce)
                .bind(host: self.gateway.settings.host, port: self.gateway.settings.devicePort)
                .get()
        } catch {
            let settings = self.gateway.settings
            let failure = ListenError(host: settings.host, port: settings.devicePort, underlying: error)
            self.boundAddress.fail(failure)
            throw failure
        }
        let address = serverChannel.localAddress!
        self.boundAddress.succeed(address)
        self.logger.info("device server listening", metadata: ["address": "\(address)"])

        let drained = serverChannel.eventLoop.makePromise(of: Void.self)
        // Cancelled too when another service of the group fails (the HTTP port is taken, say).
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await serverChannel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            self.logger.info("device server shutting down: refusing new connections, sending ERROR 10")
            quiesce.initiateShutdown(promise: drained)
        }
        await self.awaitDrained(drained.futureResult)
        await self.gateway.events.finish()
        self.logger.info("device server stopped")
    }

    /// Waits for every connection to close after ERROR 10, closing stragglers at the drain timeout.
    private func awaitDrained(_ drained: EventLoopFuture<Void>) async {
        let loop = drained.eventLoop
        let timeout = loop.scheduleTask(in: self.drainTimeout) {
            for session in self.gateway.sessions.allSessions() {
                session.connection.terminate(with: .shuttingDown, reason: .shutdown)
            }
        }
        _ = try? await drained.get()
        timeout.cancel()
    }

    private func makeBootstrap(quiesce: ServerQuiescingHelper) -> ServerBootstrap {
        let settings = self.gateway.settings
        let gateway = self.gateway
        let threadPool = self.threadPool
        let frameTimeout = TimeAmount(settings.frameTimeout)
        return ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: settings.maxSendBuffer / 2, high: settings.maxSendBuffer)
            )
            // Small first reads: most devices send a few dozen bytes at a time, and the receive
            // buffer NIO keeps per connection is what an idle device costs.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64, maximum: 65536)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        FrameReassembler(maxPayload: settings.maxPayload, frameTimeout: frameTimeout),
                        DeviceSessionHandler(gateway: gateway, threadPool: threadPool)
                    )
                }
            }
    }
}

/// The device listener could not be opened, typically because the port is taken.
public struct ListenError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var underlying: any Error

    public var description: String {
        "cannot listen for devices on \(self.host):\(self.port): \(self.underlying)"
    }
}
