public import NIOCore

/// A `ByteToMessageDecoder` that turns a byte stream into frames, for DFP/1 clients such as the simulator.
///
/// The gateway uses `FrameParser` directly instead, because it must answer each failure with its ERROR
/// code and release buffers of idle connections, which it does in its own handler.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = Frame

    public var parser: FrameParser

    public init(maxPayload: Int = Int(UInt16.max)) {
        self.parser = FrameParser(maxPayload: maxPayload)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try self.parser.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try self.decode(context: context, buffer: &buffer)
    }
}

/// A `MessageToByteEncoder` that frames outgoing packets.
public struct PacketEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = Packet

    public init() {}

    public func encode(data packet: Packet, out: inout ByteBuffer) throws {
        out.writeFrame(packet.message, flags: packet.flags, seq: packet.seq)
    }
}
