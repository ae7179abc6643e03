import DFP
import DequeModule
import Dispatch
import NIOCore
import NIOPosix
import Synchronization

/// Drives a running gateway over loopback TCP: `devices` connections log in (the gateway must run with
/// `--allow-unknown-devices`), then each keeps `window` 40-byte TELEMETRY frames with ACK_REQ in flight,
/// sending one more for every ACK. Bounded in time; only loopback addresses are accepted as targets.
struct LoadGenerator {
    var host: String
    var port: Int
    var devices: Int
    var window: Int
    var seconds: Int

    final class Counters: Sendable {
        let acks = Atomic<Int>(0)
        let welcomed = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        /// Time from sending a frame to its ACK; frames of one connection are ACKed in order.
        let ackLatency = LatencyRecorder()
    }

    func run() throws {
        precondition(self.host.hasPrefix("127."), "load is only ever sent to loopback addresses")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        defer { try? group.syncShutdownGracefully() }
        let counters = Counters()
        let window = self.window
        var channels: [any Channel] = []
        for index in 0..<self.devices {
            // Spread source addresses so one loopback address never runs out of ports.
            let source = try SocketAddress(ipAddress: "127.0.0.\(2 + index / 20_000)", port: 0)
            let channel = try ClientBootstrap(group: group)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .bind(to: source)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(FrameDecoder()),
                            LoadDeviceHandler(deviceID: "load-\(index)", window: window, counters: counters)
                        )
                    }
                }
                .connect(host: self.host, port: self.port)
                .wait()
            channels.append(channel)
        }
        let loginDeadline = DispatchTime.now() + .seconds(30)
        while counters.welcomed.load(ordering: .relaxed) < self.devices, DispatchTime.now() < loginDeadline {
            usleep(10_000)
        }
        print("devices logged in: \(counters.welcomed.load(ordering: .relaxed)) of \(self.devices)")

        var perSecond: [Double] = []
        var previous = counters.acks.load(ordering: .relaxed)
        for _ in 0..<self.seconds {
            sleep(1)
            let now = counters.acks.load(ordering: .relaxed)
            perSecond.append(Double(now - previous))
            previous = now
        }
        for channel in channels {
            channel.close(promise: nil)
        }
        let sorted = perSecond.sorted()
        print(
            "ACKed TELEMETRY frames/s over \(self.seconds) s: median \(Int(sorted[sorted.count / 2])), "
                + "min \(Int(sorted.first!)), max \(Int(sorted.last!)); errors \(counters.errors.load(ordering: .relaxed))"
        )
        print("ACK latency: \(counters.ackLatency.summary())")
    }
}

/// One load device: HELLO, then a window of telemetry frames kept in flight.
final class LoadDeviceHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let deviceID: String
    private let window: Int
    private let counters: LoadGenerator.Counters
    private var acksThisRead = 0
    private var frame = ByteBuffer()
    /// When each unacknowledged frame was sent, oldest first.
    private var sentAt = Deque<UInt64>()
    private var latencies: [UInt64] = []

    init(deviceID: String, window: Int, counters: LoadGenerator.Counters) {
        self.deviceID = deviceID
        self.window = window
        self.counters = counters
        let telemetry = Telemetry(
            timestampMs: 1_767_225_600_123,
            fields: [
                Field(tag: 1, value: .i32(-12_345)), Field(tag: 2, value: .f32(21.5)), Field(tag: 3, value: .u8(40)),
                Field(tag: 4, value: .u8(3)), Field(tag: 5, value: .bool(true)),
            ]
        )
        self.frame.writeFrame(.telemetry(telemetry), flags: .ackRequested, seq: 1)
    }

    func channelActive(context: ChannelHandlerContext) {
        var hello = context.channel.allocator.buffer(capacity: 64)
        hello.writeFrame(.hello(Hello(deviceID: self.deviceID, token: "", heartbeatSeconds: 60)), seq: 0)
        context.writeAndFlush(Self.wrapOutboundOut(hello), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.type {
        case .welcome:
            self.counters.welcomed.add(1, ordering: .relaxed)
            self.send(self.window, context: context)
        case .ack:
            self.acksThisRead += 1
            if let sent = self.sentAt.popFirst() {
                self.latencies.append(DispatchTime.now().uptimeNanoseconds - sent)
            }
        default:
            self.counters.errors.add(1, ordering: .relaxed)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.acksThisRead > 0 {
            self.counters.acks.add(self.acksThisRead, ordering: .relaxed)
            self.send(self.acksThisRead, context: context)
            self.acksThisRead = 0
            if self.latencies.count >= 256 {
                self.counters.ackLatency.record(self.latencies)
                self.latencies.removeAll(keepingCapacity: true)
            }
        }
    }

    private func send(_ count: Int, context: ChannelHandlerContext) {
        var batch = context.channel.allocator.buffer(capacity: self.frame.readableBytes * count)
        let now = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            batch.writeImmutableBuffer(self.frame)
            self.sentAt.append(now)
        }
        context.writeAndFlush(Self.wrapOutboundOut(batch), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.counters.errors.add(1, ordering: .relaxed)
        context.close(promise: nil)
    }
}
