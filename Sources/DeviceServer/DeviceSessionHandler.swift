import DFP
import GatehouseCore
import Logging
import NIOCore
import NIOExtras
import NIOPosix

/// Runs one device connection's session: HELLO and authentication, heartbeats, the device's frames,
/// ACKs, and every way a session ends.
///
/// All of its state lives on the connection's event loop. Answers produced while reading a batch of
/// frames are gathered in one buffer and written with one flush when the batch ends, so a device that
/// streams telemetry costs one write per read, not one per frame.
final class DeviceSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHello
        case authenticating
        case established(DeviceSession)
        /// An ERROR or BYE has been handled; the connection closes once its last bytes are written.
        case closing
    }

    private let gateway: Gateway
    private let threadPool: NIOThreadPool
    private var state = State.awaitingHello
    /// Answers waiting for the end of the read batch.
    private var pendingOutput: ByteBuffer?
    private var pendingFrames: UInt64 = 0
    /// The time of the current read batch, read once per batch rather than once per frame.
    private var batchTime: NIODeadline?
    /// A flush of ACKs confirmed outside a read batch is queued behind the loop's pending tasks.
    private var confirmedAcksFlushScheduled = false
    private var lastValidFrameAt = NIODeadline.now()
    private var deadlineCheck: Scheduled<Void>?
    private var remoteAddress = "unknown"
    private var tally = FrameTally()
    /// The seq of frames the gateway starts (COMMAND); answers reuse the seq they answer.
    private var outboundSeq: UInt16 = 0

    init(gateway: Gateway, threadPool: NIOThreadPool) {
        self.gateway = gateway
        self.threadPool = threadPool
    }

    // MARK: Connection lifecycle

    func channelActive(context: ChannelHandlerContext) {
        self.gateway.metrics.connectionsAccepted.increment()
        self.gateway.metrics.connectionsOpen.increment()
        self.remoteAddress = context.channel.remoteAddress.map(Self.describe) ?? "unknown"
        self.scheduleDeadlineCheck(context: context, at: .now() + .init(self.gateway.settings.helloTimeout))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.gateway.metrics.connectionsOpen.decrement()
        self.tally.flush(to: self.gateway.metrics)
        self.deadlineCheck?.cancel()
        self.deadlineCheck = nil
        self.endSession(reason: .error)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let termination as SessionTermination:
            self.fail(context: context, termination.code, "\(termination.code)", reason: termination.reason)
        case let outgoing as OutgoingCommand:
            guard case .established = self.state else { return }
            self.outboundSeq &+= 1
            self.append(.command(outgoing.command), seq: self.outboundSeq)
            if self.batchTime == nil {
                self.flushPendingOutput(context: context)
            }
        case is ChannelShouldQuiesceEvent:
            self.fail(context: context, .shuttingDown, "gateway shutting down", reason: .shutdown)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let protocolError as ProtocolError:
            self.fail(context: context, protocolError.code, protocolError.detail, reason: .error)
        case is FrameReassembler.FrameTimeout:
            self.fail(
                context: context, .heartbeatTimeout, "frame not completed within the frame timeout", reason: .timeout)
        default:
            self.gateway.peerLogger.log(
                level: .debug, "connection error", metadata: self.metadata(["error": "\(error)"]))
            self.closeAbruptly(context: context)
        }
    }

    /// A device that stops reading makes NIO's outbound buffer pass the high water mark
    /// (`--max-send-buffer`); holding on to more for it would let one device consume unbounded memory.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, !self.isClosing {
            self.gateway.peerLogger.log(
                level: .warning,
                "device stopped reading: closing",
                metadata: self.metadata(["max_send_buffer": "\(self.gateway.settings.maxSendBuffer)"])
            )
            self.closeAbruptly(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let now = self.batchTime ?? .now()
        self.batchTime = now
        self.tally.recordIn(frame.type, metrics: self.gateway.metrics)
        switch self.state {
        case .closing:
            return
        case .awaitingHello, .authenticating:
            self.handleBeforeWelcome(frame, context: context)
        case .established(let session):
            self.lastValidFrameAt = now
            session.recordFrameIn(at: now)
            do {
                try self.handle(Message(frame: frame), frame: frame, session: session, now: now, context: context)
            } catch {
                self.fail(context: context, error.code, error.detail, reason: .error)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.batchTime = nil
        self.flushPendingOutput(context: context)
        self.tally.flush(to: self.gateway.metrics)
        context.fireChannelReadComplete()
    }

    private func handleBeforeWelcome(_ frame: Frame, context: ChannelHandlerContext) {
        guard frame.type == .hello, case .awaitingHello = self.state else {
            self.fail(context: context, .notAuthenticated, "\(frame.type) before WELCOME", reason: .error)
            return
        }
        let hello: Hello
        do {
            guard case .hello(let decoded) = try Message(frame: frame) else {
                preconditionFailure("type checked above")
            }
            hello = decoded
        } catch {
            self.fail(context: context, error.code, error.detail, reason: .error)
            return
        }
        self.state = .authenticating
        let gateway = self.gateway
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.threadPool.runIfActive(eventLoop: context.eventLoop) {
            try gateway.admit(hello)
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            handler.completeAuthentication(hello, seq: frame.seq, flags: frame.flags, result: result, context: context)
        }
    }

    private func completeAuthentication(
        _ hello: Hello,
        seq: UInt16,
        flags: FrameFlags,
        result: Result<Admission?, any Error>,
        context: ChannelHandlerContext
    ) {
        guard case .authenticating = self.state else { return }
        let admission: Admission
        switch result {
        case .success(.some(let admitted)):
            admission = admitted
        case .success(.none):
            self.gateway.metrics.authenticationFailures.increment()
            self.gateway.peerLogger.log(
                level: .warning,
                "authentication failed",
                metadata: self.metadata(["device": "\(hello.deviceID)"])
            )
            self.fail(context: context, .authenticationFailed, "authentication failed", reason: .error)
            return
        case .failure(let error):
            self.gateway.logger.error("registry unavailable", metadata: self.metadata(["error": "\(error)"]))
            self.fail(context: context, .authenticationFailed, "authentication unavailable", reason: .error)
            return
        }
        if !admission.registered {
            self.gateway.logger.warning(
                "admitting unregistered device (--allow-unknown-devices)",
                metadata: self.metadata(["device": "\(hello.deviceID)"])
            )
        }
        let now = NIODeadline.now()
        let heartbeat = self.gateway.settings.grantedHeartbeat(requestedSeconds: hello.heartbeatSeconds)
        let session = DeviceSession(
            deviceID: hello.deviceID,
            sessionID: SessionIDGenerator.next(),
            remoteAddress: self.remoteAddress,
            profile: admission.profile,
            firmware: hello.firmware,
            heartbeatSeconds: heartbeat,
            connection: ChannelSessionConnection(channel: context.channel),
            clock: self.gateway.clock,
            now: now
        )
        self.state = .established(session)
        self.lastValidFrameAt = now
        session.recordFrameIn(at: now)
        let welcome = Welcome(
            heartbeatSeconds: heartbeat,
            serverTimeMs: UInt64(self.gateway.clock.epochMilliseconds(at: now)),
            sessionID: session.sessionID
        )
        self.append(.welcome(welcome), seq: seq)
        if flags.contains(.ackRequested) {
            self.append(.ack, seq: seq)
        }
        self.flushPendingOutput(context: context)
        self.gateway.open(session)
        self.scheduleDeadlineCheck(context: context, at: now + self.expiryInterval(session))
    }

    private func handle(
        _ message: Message,
        frame: Frame,
        session: DeviceSession,
        now: NIODeadline,
        context: ChannelHandlerContext
    ) throws(ProtocolError) {
        let ackRequested = frame.flags.contains(.ackRequested)
        switch message {
        case .telemetry(let telemetry):
            let report = TelemetryReport(
                session: session,
                seq: frame.seq,
                timestampMs: self.timestamp(telemetry.timestampMs, receivedAt: now),
                fields: telemetry.fields
            )
            self.publish(.telemetry(report), seq: frame.seq, ackRequested: ackRequested, context: context)
        case .event(let event):
            let report = EventReport(
                session: session,
                seq: frame.seq,
                timestampMs: self.timestamp(event.timestampMs, receivedAt: now),
                code: event.code,
                fields: event.fields
            )
            self.publish(.event(report), seq: frame.seq, ackRequested: ackRequested, context: context)
        case .commandResult(let result):
            let report = CommandResultReport(
                session: session,
                result: result,
                receivedAtMs: self.gateway.clock.epochMilliseconds(at: now)
            )
            self.publish(.commandResult(report), seq: frame.seq, ackRequested: ackRequested, context: context)
        case .ping:
            self.append(.pong, seq: frame.seq)
            self.appendAckIfRequested(ackRequested, seq: frame.seq)
        case .ack:
            break
        case .bye:
            self.appendAckIfRequested(ackRequested, seq: frame.seq)
            self.endSession(reason: .bye)
            self.closeAfterFlushing(context: context)
        case .error(let report):
            self.gateway.peerLogger.log(
                level: .notice,
                "device sent ERROR: closing",
                metadata: self.metadata(["code": "\(report.code.rawValue)", "message": "\(report.message)"])
            )
            self.endSession(reason: .error)
            self.closeAfterFlushing(context: context)
        case .hello:
            throw ProtocolError(.invalidPayload, "a second HELLO on a connection with a session")
        case .welcome, .pong, .command:
            throw ProtocolError(.invalidPayload, "\(frame.type) is never sent by a device")
        }
    }

    /// Hands an event to the sinks and ACKs it when asked: at once when no sink owes durability (the
    /// ACK then goes out with the batch), or when the sinks confirm; never when they fail, so the
    /// device keeps the message and retries.
    private func publish(_ event: GatewayEvent, seq: UInt16, ackRequested: Bool, context: ChannelHandlerContext) {
        let confirmation = self.gateway.events.publish(event, durable: ackRequested, on: context.eventLoop)
        guard ackRequested else { return }
        guard let confirmation else {
            self.append(.ack, seq: seq)
            return
        }
        confirmation.hop(to: context.eventLoop).assumeIsolated().whenSuccess {
            guard case .established = self.state else { return }
            self.append(.ack, seq: seq)
            // Inside a read batch the ACK leaves with the batch. Otherwise it leaves once the loop has run
            // the confirmations already queued behind this one (a sink confirms many at once, from its
            // own thread), so they share one write.
            if self.batchTime == nil, !self.confirmedAcksFlushScheduled {
                self.confirmedAcksFlushScheduled = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.confirmedAcksFlushScheduled = false
                    handler.flushPendingOutput(context: context)
                }
            }
        }
    }

    private func timestamp(_ deviceTimestampMs: UInt64, receivedAt now: NIODeadline) -> Int64 {
        deviceTimestampMs == 0 ? self.gateway.clock.epochMilliseconds(at: now) : Int64(clamping: deviceTimestampMs)
    }

    // MARK: Deadlines

    private func expiryInterval(_ session: DeviceSession) -> TimeAmount {
        .milliseconds(Int64(session.heartbeatSeconds) * 1500)
    }

    /// One timer per connection serves both the hello timeout and heartbeat expiry. Frames only record
    /// their time; the timer, when it fires, either expires the session or moves itself to the new
    /// deadline, so a busy session costs no timer work per frame.
    private func scheduleDeadlineCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        self.deadlineCheck?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.deadlineCheck = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.checkDeadline(context: context)
        }
    }

    private func checkDeadline(context: ChannelHandlerContext) {
        self.deadlineCheck = nil
        switch self.state {
        case .awaitingHello, .authenticating:
            self.fail(context: context, .notAuthenticated, "no HELLO within the hello timeout", reason: .error)
        case .established(let session):
            let deadline = self.lastValidFrameAt + self.expiryInterval(session)
            if deadline <= .now() {
                self.fail(context: context, .heartbeatTimeout, "no frame within heartbeat × 1.5", reason: .timeout)
            } else {
                self.scheduleDeadlineCheck(context: context, at: deadline)
            }
        case .closing:
            break
        }
    }

    // MARK: Output and closing

    private func append(_ message: Message, seq: UInt16) {
        if self.pendingOutput == nil {
            self.pendingOutput = ByteBufferAllocator().buffer(capacity: 64)
        }
        self.pendingOutput!.writeFrame(message, seq: seq)
        self.pendingFrames += 1
        self.tally.recordOut(message.type, metrics: self.gateway.metrics)
    }

    private func appendAckIfRequested(_ requested: Bool, seq: UInt16) {
        if requested {
            self.append(.ack, seq: seq)
        }
    }

    private func flushPendingOutput(context: ChannelHandlerContext) {
        guard let output = self.pendingOutput else { return }
        self.pendingOutput = nil
        if case .established(let session) = self.state {
            session.recordFramesOut(self.pendingFrames)
        }
        self.pendingFrames = 0
        context.writeAndFlush(Self.wrapOutboundOut(output), promise: nil)
    }

    /// Ends the connection with a fatal ERROR: the device is reported offline with `reason` (unless a
    /// newer session replaced it), the ERROR is written best effort, and the connection closes.
    private func fail(context: ChannelHandlerContext, _ code: ErrorCode, _ detail: String, reason: StatusReason) {
        guard !self.isClosing else { return }
        if code != .sessionReplaced && code != .shuttingDown {
            self.gateway.peerLogger.log(
                level: .notice,
                "closing connection",
                metadata: self.metadata(["error": "\(code.rawValue)", "detail": "\(detail)"])
            )
        }
        self.gateway.metrics.recordErrorSent(code)
        self.endSession(reason: reason)
        let message = code.description == detail ? detail : "\(code): \(detail)"
        self.append(.error(ErrorReport(code: code, message: message)), seq: 0)
        self.closeAfterFlushing(context: context)
    }

    /// Writes what is pending, then closes: first only the sending side, so that bytes the peer is
    /// still sending are read and dropped rather than answered with a reset that would destroy the
    /// ERROR before the device reads it; the connection closes fully when the peer closes its side or
    /// after a short grace period, which also bounds a peer that does not read at all.
    private func closeAfterFlushing(context: ChannelHandlerContext) {
        self.state = .closing
        self.deadlineCheck?.cancel()
        self.deadlineCheck = nil
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        if let output = self.pendingOutput {
            self.pendingOutput = nil
            context.writeAndFlush(Self.wrapOutboundOut(output), promise: written)
        } else {
            written.succeed()
        }
        context.eventLoop.scheduleTask(in: Self.closingGracePeriod) {
            channel.close(promise: nil)
        }
        written.futureResult.whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
    }

    /// How long a closing connection may take to read its last bytes and close its side.
    static let closingGracePeriod: TimeAmount = .seconds(2)

    /// Reports the session's end to the gateway once, whatever ends it first, and stops handling the
    /// connection's frames.
    private func endSession(reason: StatusReason) {
        if case .established(let session) = self.state {
            self.gateway.close(session, reason: reason)
        }
        self.state = .closing
    }

    /// Closes without a last word, for a connection that failed or whose peer does not read.
    private func closeAbruptly(context: ChannelHandlerContext) {
        self.endSession(reason: .error)
        self.pendingOutput = nil
        context.close(promise: nil)
    }

    private var isClosing: Bool {
        if case .closing = self.state { return true }
        return false
    }

    private func metadata(_ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata = extra
        metadata["remote"] = "\(self.remoteAddress)"
        if case .established(let session) = self.state {
            metadata["device"] = metadata["device"] ?? "\(session.deviceID)"
            metadata["session"] = "\(session.sessionID)"
        }
        return metadata
    }

    private static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
