import DFP
import NIOCore

/// Cuts the byte stream of one device connection into frames.
///
/// A frame-level error (bad magic, CRC, version, size) is passed on as an error and everything after it
/// is ignored: the connection is about to be closed with that error's code. The handler keeps no buffer
/// between frames, so an idle connection holds no read memory; only the bytes of an incomplete frame
/// are kept, and a frame that takes longer than `frameTimeout` to complete (a slowloris peer) is
/// reported as `FrameTimeout`.
final class FrameReassembler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Frame

    /// A frame was started but did not complete within the frame timeout.
    struct FrameTimeout: Error {}

    private let parser: FrameParser
    private let frameTimeout: TimeAmount
    /// The start of an incomplete frame, copied out of the receive buffer so NIO can reuse that.
    private var partial: ByteBuffer?
    private var partialSince: NIODeadline?
    private var timeoutCheck: Scheduled<Void>?
    private var failed = false

    init(maxPayload: Int, frameTimeout: TimeAmount) {
        self.parser = FrameParser(maxPayload: maxPayload)
        self.frameTimeout = frameTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        var input = Self.unwrapInboundIn(data)
        if var partial = self.partial.take() {
            partial.writeBuffer(&input)
            input = partial
        }
        var completedFrames = false
        do {
            while let frame = try self.parser.nextFrame(from: &input) {
                completedFrames = true
                context.fireChannelRead(Self.wrapInboundOut(frame))
                guard !self.failed else { return }
            }
        } catch {
            self.fail(context: context, error)
            return
        }
        self.keepRemainder(of: input, restartingClock: completedFrames, context: context)
    }

    private func keepRemainder(of input: ByteBuffer, restartingClock: Bool, context: ChannelHandlerContext) {
        guard input.readableBytes > 0 else {
            self.partialSince = nil
            return
        }
        var remainder = context.channel.allocator.buffer(capacity: input.readableBytes)
        var input = input
        remainder.writeBuffer(&input)
        self.partial = remainder
        if restartingClock || self.partialSince == nil {
            self.partialSince = .now()
        }
        if self.timeoutCheck == nil {
            self.scheduleTimeoutCheck(context: context)
        }
    }

    private func scheduleTimeoutCheck(context: ChannelHandlerContext) {
        guard let since = self.partialSince else {
            self.timeoutCheck = nil
            return
        }
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.timeoutCheck = context.eventLoop.scheduleTask(deadline: since + self.frameTimeout) {
            loopBoundSelf.value.checkFrameTimeout(context: loopBoundContext.value)
        }
    }

    private func checkFrameTimeout(context: ChannelHandlerContext) {
        self.timeoutCheck = nil
        guard !self.failed, let since = self.partialSince else { return }
        if NIODeadline.now() - since >= self.frameTimeout {
            self.fail(context: context, FrameTimeout())
        } else {
            self.scheduleTimeoutCheck(context: context)
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        self.failed = true
        self.partial = nil
        self.partialSince = nil
        context.fireErrorCaught(error)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timeoutCheck?.cancel()
        self.timeoutCheck = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timeoutCheck?.cancel()
        self.timeoutCheck = nil
        self.partial = nil
        context.fireChannelInactive()
    }
}

extension Optional {
    /// Returns the value and leaves nil behind, so a buffer moved out of a property stays uniquely referenced.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
