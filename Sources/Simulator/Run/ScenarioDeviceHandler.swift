import DFP
import Dispatch
import NIOCore

/// One simulated device of a scenario on its connection's event loop: HELLO, then telemetry at the
/// fleet's interval (± jitter), PING when nothing else was sent for half a heartbeat, and the fleet's
/// answer to commands. Everything it sees goes into the run's statistics.
final class ScenarioDeviceHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let deviceID: String
    private let fleet: Fleet
    private let statistics: RunStatistics
    private let runStart: ContinuousClock.Instant
    private var fields: FieldState
    private var seq: UInt16 = 0
    private var established = false
    private var lastSent = NIODeadline.now()
    private var telemetryTask: Scheduled<Void>?
    private var heartbeatTask: RepeatedTask?
    /// Send times of frames awaiting their ACK, by seq: a ring, since ACKs come back in order.
    private var sentAt = [UInt64](repeating: 0, count: 256)
    private var latencies = LatencyHistogram()
    private var latenciesHandedOver = NIODeadline.now()

    init(deviceID: String, fleet: Fleet, statistics: RunStatistics, runStart: ContinuousClock.Instant) {
        self.deviceID = deviceID
        self.fleet = fleet
        self.statistics = statistics
        self.runStart = runStart
        self.fields = FieldState(fleet.fields)
    }

    func channelActive(context: ChannelHandlerContext) {
        let hello = Hello(
            deviceID: self.deviceID, token: self.fleet.token, profile: self.fleet.profile, firmware: "sim-1.0",
            heartbeatSeconds: UInt16(clamping: self.fleet.heartbeat.components.seconds))
        self.send(.hello(hello), flags: [], context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard let message = try? Message(frame: frame) else { return }
        switch message {
        case .welcome(let welcome):
            self.established = true
            self.statistics.deviceConnected()
            // The first report comes at a random point of the first interval, so a fleet that came up
            // at once does not report in lockstep.
            self.scheduleTelemetry(
                after: .nanoseconds(Int64.random(in: 0...max(1, Self.nanoseconds(self.fleet.telemetryInterval)))),
                context: context)
            self.scheduleHeartbeat(seconds: Int64(welcome.heartbeatSeconds), context: context)
        case .ack:
            self.statistics.acks.add(1, ordering: .relaxed)
            let sent = self.sentAt[Int(frame.seq & 0xFF)]
            if sent > 0 {
                self.latencies.record(nanoseconds: DispatchTime.now().uptimeNanoseconds - sent)
                self.sentAt[Int(frame.seq & 0xFF)] = 0
            }
        case .command(let command):
            self.answer(command, context: context)
        case .error(let report):
            self.statistics.recordError(code: report.code.rawValue)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.telemetryTask?.cancel()
        self.heartbeatTask?.cancel()
        self.statistics.merge(self.latencies)
        self.latencies = LatencyHistogram()
        if self.established {
            self.established = false
            self.statistics.deviceDisconnected()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(_ message: Message, flags: FrameFlags, context: ChannelHandlerContext) {
        self.seq &+= 1
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(message, flags: flags, seq: self.seq)
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        self.lastSent = .now()
        self.statistics.framesSent.add(1, ordering: .relaxed)
    }

    private func sendTelemetry(context: ChannelHandlerContext) {
        let fields = self.fields.next(elapsed: ContinuousClock.now - self.runStart)
        let telemetry = Telemetry(timestampMs: 0, fields: fields)
        self.send(.telemetry(telemetry), flags: self.fleet.ackRequested ? .ackRequested : [], context: context)
        if self.fleet.ackRequested {
            self.sentAt[Int(self.seq & 0xFF)] = DispatchTime.now().uptimeNanoseconds
        }
        // Handed over in batches, and at least once a second for the live display.
        if self.latencies.count >= 64 || (self.latencies.count > 0 && .now() - self.latenciesHandedOver >= .seconds(1))
        {
            self.statistics.merge(self.latencies)
            self.latencies = LatencyHistogram()
            self.latenciesHandedOver = .now()
        }
    }

    private func scheduleTelemetry(after delay: TimeAmount, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.telemetryTask = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            guard handler.established else { return }
            handler.sendTelemetry(context: context)
            handler.scheduleTelemetry(after: handler.nextInterval(), context: context)
        }
    }

    private func nextInterval() -> TimeAmount {
        let interval = Self.nanoseconds(self.fleet.telemetryInterval)
        let jitter = Self.nanoseconds(self.fleet.telemetryJitter)
        return .nanoseconds(interval + (jitter > 0 ? Int64.random(in: -jitter...jitter) : 0))
    }

    /// A PING whenever nothing was sent for half the granted heartbeat, as firmware does.
    private func scheduleHeartbeat(seconds: Int64, context: ChannelHandlerContext) {
        guard seconds > 0 else { return }
        let half = TimeAmount.milliseconds(seconds * 500)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.heartbeatTask = context.eventLoop.scheduleRepeatedTask(initialDelay: half, delay: half) { _ in
            let (handler, context) = loopBound.value
            if handler.established, NIODeadline.now() - handler.lastSent >= half {
                handler.send(.ping, flags: [], context: context)
            }
        }
    }

    private func answer(_ command: Command, context: ChannelHandlerContext) {
        let status: CommandStatus
        switch self.fleet.commandAnswer {
        case .ignore: return
        case .ok: status = .ok
        case .fail: status = .failed
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(self.fleet.commandDelay))) {
            let (handler, context) = loopBound.value
            guard handler.established else { return }
            handler.send(
                .commandResult(CommandResult(commandID: command.commandID, status: status, fields: [])), flags: [],
                context: context)
            handler.statistics.commandsAnswered.add(1, ordering: .relaxed)
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
