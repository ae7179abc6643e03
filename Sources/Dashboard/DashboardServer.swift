public import CoreMetrics
public import GatehouseCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
public import NIOCore
public import NIOPosix
public import Prometheus
public import ServiceLifecycle

/// The HTTP side of a gateway node, run as a service beside the device server and sharing its event
/// loops: the REST API, the live WebSocket feed, Prometheus metrics and the dashboard page.
public struct DashboardServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>
    private let boundAddress: EventLoopPromise<SocketAddress>
    private let feed: DashboardFeed
    private let host: String
    private let port: Int

    /// - Parameters:
    ///   - feed: the sink the gateway was built with, which this server's WebSocket clients read.
    ///   - apiToken: the token every request but the health check and the page shell must carry.
    public init(
        gateway: Gateway,
        feed: DashboardFeed,
        apiToken: String,
        metricsRegistry: PrometheusCollectorRegistry,
        group: any EventLoopGroup,
        threadPool: NIOThreadPool = .singleton,
        logger: Logger
    ) throws {
        let api = DeviceAPI(gateway: gateway, threadPool: threadPool)
        let page = try PageRoutes()
        let router = Router()
        router.middlewares.add(TokenAuthenticator(token: apiToken, openPaths: page.openPaths.union(["/healthz"])))
        api.addRoutes(to: router)
        CommandAPI(devices: api).addRoutes(to: router)
        page.addRoutes(to: router)
        router.get("/metrics") { _, _ in
            var output: [UInt8] = []
            metricsRegistry.emit(into: &output)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: output))
            )
        }
        // A /ws request that was not upgraded (no token, or not a WebSocket handshake) ends here.
        router.get("/ws") { _, _ in
            Response.jsonError("a WebSocket upgrade is required", status: .badRequest)
        }

        self.feed = feed
        self.host = gateway.settings.host
        self.port = gateway.settings.httpPort
        let session = LiveFeedSession(feed: feed.liveFeed, api: api)
        let boundAddress = group.any().makePromise(of: SocketAddress.self)
        self.boundAddress = boundAddress
        self.application = Application(
            router: router,
            server: .http1WebSocketUpgrade { head, _, _ in
                guard URI(head.path ?? "").path == "/ws",
                    TokenAuthenticator<BasicRequestContext>.isAuthorized(head: head, token: apiToken)
                else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, context in
                    try await session.run(inbound: inbound, outbound: outbound, logger: context.logger)
                }
            },
            configuration: .init(
                address: .hostname(gateway.settings.host, port: gateway.settings.httpPort), serverName: "gatehouse"),
            onServerRunning: { channel in
                if let address = channel.localAddress {
                    boundAddress.succeed(address)
                }
            },
            eventLoopGroupProvider: .shared(group),
            logger: logger
        )
    }

    /// The address the HTTP listener is bound to, once it is.
    public var localAddress: SocketAddress {
        get async throws { try await self.boundAddress.futureResult.get() }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await self.application.run()
            } catch {
                let failure = HTTPListenError(host: self.host, port: self.port, underlying: error)
                self.boundAddress.fail(failure)
                throw failure
            }
        } onGracefulShutdown: {
            // Browsers hold their live-feed sockets open; close them so the HTTP server can drain.
            self.feed.closeClients()
        }
    }
}

/// The dashboard's sink: created before the gateway (whose sinks are fixed when it is built) and then
/// handed to the `DashboardServer`.
public final class DashboardFeed: EventSink {
    let liveFeed: LiveFeed

    /// - Parameter nodeID: this gateway node's ID (`GatewaySettings.nodeID`), named in its messages.
    public init(nodeID: String, metricsFactory: any MetricsFactory) {
        self.liveFeed = LiveFeed(nodeID: nodeID, metrics: DashboardMetrics(factory: metricsFactory))
    }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        self.liveFeed.receive(event, durable: durable, on: eventLoop)
    }

    public func finish() async {
        self.closeClients()
    }

    /// Ends every client's stream: each writes what it has queued and closes its socket.
    func closeClients() {
        self.liveFeed.closeClients()
    }
}

/// The HTTP listener could not be opened, typically because the port is taken.
public struct HTTPListenError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var underlying: any Error

    public var description: String {
        "cannot listen for HTTP on \(self.host):\(self.port): \(self.underlying)"
    }
}
