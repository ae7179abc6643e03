import DFP
import Dispatch
import Foundation
import NIOCore

/// One simulated device of a scenario on its connection's event loop: HELLO, then telemetry at the
/// fleet's interval (± jitter), PING when nothing else was sent for half a heartbeat, the fleet's
/// answer to commands, and the fleet's faults. Everything it sees goes into the run's statistics; when
/// its connection ends before the run does, it asks the connector to reconnect it, as firmware would.
final class ScenarioDeviceHandler: ChannelInboundHandler {
    /// A device's own connection, or the second login of a device with a duplicated ID.
    enum Role {
        case device(index: Int)
        case twin
    }

    /// Frames a device keeps waiting for their ACK, more than a slow reader ever has in flight.
    private static let awaitingAckLimit = 256

    /// What the device's wheel wakes it for.
    enum Timer {
        case telemetry
        case heartbeat
    }

    typealias Wheel = TimerWheel<ScenarioDeviceHandler, Timer>

    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let deviceID: String
    private let token: String
    private let fleet: Fleet
    private let role: Role
    private let statistics: RunStatistics
    private let connector: FleetConnector
    private let runStart: ContinuousClock.Instant
    /// This connection's faults, drawn once from the fleet's fractions (a twin has none).
    private let silent: Bool
    private let slowReader: Bool
    private let sendsOversize: Bool
    private let makesTwin: Bool
    /// Whether the connection ended the way this device will not come back from (taken over by its twin).
    private var replaced = false
    private var disconnectTask: Scheduled<Void>?
    private var fields: FieldState
    private var seq: UInt16 = 0
    private var established = false
    private var lastSent = NIODeadline.now()
    /// The loop's timer wheel, which keeps this device's telemetry and heartbeat timers.
    private let wheel: Wheel
    /// Set while the connection is up, for the wheel's timers.
    private var context: ChannelHandlerContext?
    /// Half the granted heartbeat: a PING goes out when nothing else was sent for that long.
    private var heartbeatHalf = TimeAmount.zero
    /// For the draws of every frame: jitter and corrupted CRCs.
    private var random = SplitMix64()
    /// Frames awaiting their ACK, oldest first: ACKs come back in order, so a frame older than the one
    /// ACKed (answered with an ERROR instead) never gets one. Empty, and unallocated, most of the time.
    private var awaitingAck: [(seq: UInt16, sentAt: UInt64)] = []
    private let latencyShard = Int.random(in: 0..<RunStatistics.latencyShardCount)

    init(
        deviceID: String, token: String, fleet: Fleet, role: Role, statistics: RunStatistics,
        connector: FleetConnector, runStart: ContinuousClock.Instant, wheel: Wheel
    ) {
        self.wheel = wheel
        self.deviceID = deviceID
        self.token = token
        self.fleet = fleet
        self.role = role
        self.statistics = statistics
        self.connector = connector
        self.runStart = runStart
        self.fields = FieldState(fleet.fields)
        let faults = fleet.faults
        let isTwin = if case .twin = role { true } else { false }
        func draw(_ fraction: Double) -> Bool { !isTwin && fraction > 0 && Double.random(in: 0..<1) < fraction }
        self.silent = draw(faults.silent)
        self.slowReader = draw(faults.slowReader)
        self.sendsOversize = draw(faults.oversize)
        self.makesTwin = draw(faults.duplicateID)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let hello = Hello(
            deviceID: self.deviceID, token: self.token, profile: self.fleet.profile, firmware: "sim-1.0",
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
            self.welcomed(welcome, context: context)
        case .ack:
            self.statistics.acks.add(1, ordering: .relaxed)
            if let position = self.awaitingAck.firstIndex(where: { $0.seq == frame.seq }) {
                let sentAt = self.awaitingAck[position].sentAt
                self.awaitingAck.removeFirst(position + 1)
                self.statistics.recordLatency(
                    nanoseconds: DispatchTime.now().uptimeNanoseconds - sentAt, shard: self.latencyShard)
            }
        case .command(let command):
            self.answer(command, context: context)
        case .error(let report):
            self.statistics.recordError(code: report.code.rawValue, fleet: self.fleet.name)
            self.replaced = report.code == .sessionReplaced
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The wheel's timers find the device no longer established and lapse.
        self.context = nil
        self.disconnectTask?.cancel()
        if self.established {
            self.established = false
            self.statistics.deviceDisconnected(fleet: self.fleet.name)
        }
        // A device whose twin took its session over leaves it to the twin; any other comes back.
        if !self.replaced, case .device(let index) = self.role {
            self.connector.reconnect(self.fleet, index: index, after: self.fleet.faults.reconnectAfter)
        }
        context.fireChannelInactive()
    }

    /// After WELCOME: the fleet's traffic, unless this device's faults say otherwise.
    private func welcomed(_ welcome: Welcome, context: ChannelHandlerContext) {
        if self.silent { return }  // keeps the socket, sends nothing: the gateway's heartbeat expiry
        if self.slowReader {
            context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
        }
        // The first report comes at a random point of the first interval, so a fleet that came up at
        // once does not report in lockstep.
        self.wheel.schedule(
            .telemetry, for: self,
            after: .nanoseconds(Int64.random(in: 0...max(1, self.fleet.telemetryInterval.inNanoseconds))))
        if welcome.heartbeatSeconds > 0 {
            self.heartbeatHalf = .milliseconds(Int64(welcome.heartbeatSeconds) * 500)
            self.wheel.schedule(.heartbeat, for: self, after: self.heartbeatHalf)
        }
        if self.sendsOversize {
            var buffer = context.channel.allocator.buffer(capacity: 65_100)
            self.seq &+= 1
            buffer.writeFrame(type: .telemetry, seq: self.seq) { $0.writeRepeatingByte(0, count: 65_000) }
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
            self.statistics.framesSent.add(1, ordering: .relaxed)
        }
        if self.makesTwin {
            self.connector.connectTwin(self.fleet, deviceID: self.deviceID)
        }
        if let every = self.fleet.faults.disconnectEvery {
            // Exponentially distributed: disconnects come at random, `every` apart on average.
            let seconds = -log(Double.random(in: Double.leastNonzeroMagnitude..<1)) * every.inSeconds
            let channel = context.channel
            self.disconnectTask = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                channel.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(
        _ message: Message, flags: FrameFlags, corruptCRC: Bool = false, context: ChannelHandlerContext
    ) {
        self.seq &+= 1
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(message, flags: flags, seq: self.seq)
        if corruptCRC, let last = buffer.getInteger(at: buffer.writerIndex - 1, as: UInt8.self) {
            buffer.setInteger(last ^ 0xFF, at: buffer.writerIndex - 1)
        }
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        self.lastSent = .now()
        self.statistics.framesSent.add(1, ordering: .relaxed)
    }

    private func sendTelemetry(context: ChannelHandlerContext) {
        let fields = self.fields.next(elapsed: ContinuousClock.now - self.runStart)
        let telemetry = Telemetry(timestampMs: 0, fields: fields)
        let corrupt =
            self.fleet.faults.corruptCRC > 0
            && Double.random(in: 0..<1, using: &self.random) < self.fleet.faults.corruptCRC
        self.send(
            .telemetry(telemetry), flags: self.fleet.ackRequested ? .ackRequested : [], corruptCRC: corrupt,
            context: context)
        if self.fleet.ackRequested {
            // A gateway that stopped ACKing must not grow the list without bound.
            if self.awaitingAck.count == Self.awaitingAckLimit { self.awaitingAck.removeFirst() }
            self.awaitingAck.append((self.seq, DispatchTime.now().uptimeNanoseconds))
        }
    }

    /// The wheel's call: telemetry at the fleet's interval, and a PING whenever nothing was sent for
    /// half the granted heartbeat, as firmware does.
    func timerFired(_ timer: Timer) {
        guard self.established, let context = self.context else { return }
        switch timer {
        case .telemetry:
            self.sendTelemetry(context: context)
            self.wheel.schedule(.telemetry, for: self, after: self.nextInterval())
        case .heartbeat:
            let quiet = NIODeadline.now() - self.lastSent
            if quiet >= self.heartbeatHalf - self.wheel.tick {
                self.send(.ping, flags: [], context: context)
                self.wheel.schedule(.heartbeat, for: self, after: self.heartbeatHalf)
            } else {
                self.wheel.schedule(.heartbeat, for: self, after: self.heartbeatHalf - quiet)
            }
        }
    }

    private func nextInterval() -> TimeAmount {
        let interval = self.fleet.telemetryInterval.inNanoseconds
        let jitter = self.fleet.telemetryJitter.inNanoseconds
        return .nanoseconds(interval + (jitter > 0 ? Int64.random(in: -jitter...jitter, using: &self.random) : 0))
    }

    private func answer(_ command: Command, context: ChannelHandlerContext) {
        let status: CommandStatus
        switch self.fleet.commandAnswer {
        case .ignore: return
        case .ok: status = .ok
        case .fail: status = .failed
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(self.fleet.commandDelay.inNanoseconds)) {
            let (handler, context) = loopBound.value
            guard handler.established else { return }
            handler.send(
                .commandResult(CommandResult(commandID: command.commandID, status: status, fields: [])), flags: [],
                context: context)
            handler.statistics.commandsAnswered.add(1, ordering: .relaxed)
        }
    }

}
