import DFP
import Foundation
import NIOCore
import Testing

/// The byte-by-byte session in docs/protocol.md (section 6): the frames printed there must be exactly
/// what the codec writes and reads, so the document cannot drift from the code.
@Suite("Documented session")
struct DocumentedSessionTests {
    struct Step: Sendable, CustomTestStringConvertible {
        var packet: Packet
        var hex: String
        var testDescription: String { "\(self.packet.message.type) seq \(self.packet.seq)" }
    }

    static let steps: [Step] = [
        Step(
            packet: Packet(
                .hello(
                    Hello(
                        deviceID: "thermo-0001", token: "s3cret", profile: "thermostat", firmware: "1.4.2",
                        heartbeatSeconds: 30)), seq: 1),
            hex: "4446010100000100260b746865726d6f2d30303031067333637265740a746865726d6f7374617405312e342e32001eaeaf"
        ),
        Step(
            packet: Packet(
                .welcome(
                    Welcome(heartbeatSeconds: 30, serverTimeMs: 1_767_225_600_000, sessionID: "s-3f9a0c2d71e4b865")),
                seq: 1),
            hex: "44460181000001001d001e0000019b76daa80012732d336639613063326437316534623836357f3a"
        ),
        Step(
            packet: Packet(
                .telemetry(
                    Telemetry(
                        timestampMs: 1_767_225_600_123,
                        fields: [Field(tag: 1, value: .i16(215)), Field(tag: 2, value: .u8(40))])),
                seq: 2, flags: .ackRequested),
            hex: "44460103010002000f0000019b76daa87b010400d7020328863e"
        ),
        Step(packet: Packet(.ack, seq: 2), hex: "444601060000020000f6bf"),
        Step(packet: Packet(.ping, seq: 3), hex: "444601020000030000c72e"),
        Step(packet: Packet(.pong, seq: 3), hex: "444601820000030000130e"),
        Step(
            packet: Packet(
                .event(Event(timestampMs: 1_767_225_660_000, code: 3, fields: [Field(tag: 2, value: .i16(220))])),
                seq: 4),
            hex: "44460104000004000e0000019b76db92600003020400dcac30"
        ),
        Step(
            packet: Packet(
                .command(Command(commandID: 9, name: "set_setpoint", arguments: [Field(tag: 1, value: .i16(225))])),
                seq: 1),
            hex: "444601850000010015000000090c7365745f736574706f696e74010400e12af9"
        ),
        Step(
            packet: Packet(
                .commandResult(CommandResult(commandID: 9, status: .ok, fields: [Field(tag: 1, value: .i16(225))])),
                seq: 5),
            hex: "4446010500000500090000000900010400e1ed87"
        ),
        Step(packet: Packet(.bye, seq: 6), hex: "4446010700000600006fdf"),
        Step(
            packet: Packet(.error(ErrorReport(code: .authenticationFailed, message: "authentication failed")), seq: 0),
            hex: "4446017f000000001800061561757468656e7469636174696f6e206661696c65641210"
        ),
    ]

    @Test func documentPrintsExactlyTheseFrames() throws {
        let document = URL(fileURLWithPath: #filePath)  // <package>/Tests/DFPTests/DocumentedSessionTests.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/protocol.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        // Whole frames appear as inline code spans of hex digits; the odd pieces between backticks are spans.
        let spans = text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset.isMultiple(of: 2) == false }.map { String($0.element) }
        let frames = spans.filter { span in
            span.count >= 2 * Frame.overhead && span.allSatisfy(\.isHexDigit)
        }
        #expect(frames.sorted() == Self.steps.map(\.hex).sorted())
    }

    @Test(arguments: steps)
    func documentedFrameIsWhatTheCodecWrites(step: Step) {
        #expect(Hex.string(encode(step.packet)) == step.hex)
    }

    @Test(arguments: steps)
    func documentedFrameDecodesToItsPacket(step: Step) throws {
        var buffer = ByteBuffer(bytes: try #require(Hex.bytes(step.hex)))
        let frame = try #require(try FrameParser().nextFrame(from: &buffer))
        #expect(buffer.readableBytes == 0)
        #expect(try Packet(frame: frame) == step.packet)
    }
}
