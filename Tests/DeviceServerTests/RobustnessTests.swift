import DFP
import GatehouseCore
import GatehouseTestSupport
import NIOCore
import Simulator
import Testing

@Suite("Slow, silent and greedy peers are cut off with bounded memory")
struct RobustnessTests {
    @Test func aPeerThatNeverSendsHelloGetsError5() async throws {
        let gateway = try await TestGateway.start { $0.helloTimeout = .milliseconds(300) }
        let device = try await gateway.connect()
        #expect(try await device.expectError() == .notAuthenticated)
        #expect(try await device.isClosed())
        try await gateway.stop()
    }

    @Test func aPeerThatTricklesAFrameIsCutOff() async throws {
        let gateway = try await TestGateway.start { $0.frameTimeout = .milliseconds(500) }
        let token = try gateway.register("slowloris")
        let (device, _) = try await gateway.login("slowloris", token: token, heartbeat: 3600)
        // A header announcing 100 bytes, then one byte now and then: never a complete frame. The bytes
        // keep coming, yet the frame timeout (500 ms) counts from the frame's start.
        try await device.sendRaw([0x44, 0x46, 0x01, 0x03, 0x00, 0x00, 0x01, 0x00, 100])
        for _ in 0..<8 {
            try await Task.sleep(for: .milliseconds(100))
            try? await device.sendRaw([0x00])
        }
        #expect(try await device.expectError() == .heartbeatTimeout)
        #expect(try await device.isClosed())
        let statuses = try await gateway.sink.waitForStatuses(of: "slowloris", count: 2)
        #expect(statuses.map(\.reason) == [.hello, .timeout])
        try await gateway.stop()
    }

    @Test func aDeviceThatStopsReadingIsDisconnected() async throws {
        let gateway = try await TestGateway.start { $0.maxSendBuffer = 4096 }
        let token = try gateway.register("deaf")
        let device = try await DeviceConnection.connect(host: "127.0.0.1", port: gateway.port, receiveBufferSize: 4096)
        try await device.send(.hello(Hello(deviceID: "deaf", token: token)), seq: 1)
        guard case .welcome? = try await device.receive()?.message else { throw TestFailure("no WELCOME") }
        try await device.stopReading()

        // PINGs make the gateway write PONGs nobody reads; the kernel's buffers fill, then the gateway's
        // own send buffer passes its bound and it closes the connection. Bounded: at most 200 MB sent.
        var pings: [UInt8] = []
        for seq in 0..<1000 {
            pings += [UInt8](frameOf: .ping, seq: UInt16(seq))
        }
        var disconnected = false
        for _ in 0..<20_000 {
            do {
                try await device.sendRaw(pings)
            } catch {
                disconnected = true
                break
            }
            if gateway.sink.statuses(of: "deaf").count == 2 {
                disconnected = true
                break
            }
        }
        #expect(disconnected)
        let statuses = try await gateway.sink.waitForStatuses(of: "deaf", count: 2)
        #expect(statuses.map(\.reason) == [.hello, .error])
        await device.close()
        try await gateway.stop()
    }

    @Test func framesSplitIntoSingleBytesAreReassembled() async throws {
        // About reassembly, not timeouts: byte-by-byte writes can crawl on a loaded machine.
        let gateway = try await TestGateway.start {
            $0.helloTimeout = .seconds(120)
            $0.frameTimeout = .seconds(120)
        }
        let token = try gateway.register("trickle-ok")
        let device = try await gateway.connect()
        // HELLO, then (after WELCOME: anything earlier would get ERROR 5) a PING, one byte per write.
        for byte in [UInt8](frameOf: .hello(Hello(deviceID: "trickle-ok", token: token)), seq: 1) {
            try await device.sendRaw([byte])
        }
        guard case .welcome? = try await device.receive()?.message else { throw TestFailure("no WELCOME") }
        for byte in [UInt8](frameOf: .ping, seq: 2) {
            try await device.sendRaw([byte])
        }
        #expect(try await device.receive() == Packet(.pong, seq: 2))
        await device.close()
        try await gateway.stop()
    }

    @Test func aThousandFramesInOneWriteAreAllAckedInOrder() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("burst")
        let (device, _) = try await gateway.login("burst", token: token)
        var bytes: [UInt8] = []
        for seq in UInt16(0)..<1000 {
            let telemetry = Telemetry(timestampMs: 1, fields: [Field(tag: 1, value: .i16(Int16(seq)))])
            bytes += [UInt8](frameOf: .telemetry(telemetry), seq: seq, flags: .ackRequested)
        }
        try await device.sendRaw(bytes)
        for seq in UInt16(0)..<1000 {
            #expect(try await device.receive() == Packet(.ack, seq: seq))
        }
        let session = try #require(gateway.gateway.sessions.session(for: "burst"))
        #expect(session.framesIn == 1001)
        #expect(session.framesOut == 1001)
        await device.close()
        try await gateway.stop()
    }
}

extension [UInt8] {
    init(frameOf message: Message, seq: UInt16, flags: FrameFlags = []) {
        var buffer = ByteBuffer()
        buffer.writeFrame(message, flags: flags, seq: seq)
        self = Array(buffer.readableBytesView)
    }
}
