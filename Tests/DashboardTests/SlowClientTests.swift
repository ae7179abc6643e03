import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import NIOCore
import Simulator
import Testing

@Suite("A slow dashboard never slows devices")
struct SlowClientTests {
    @Test func aStalledClientLosesTelemetryNotTheGatewaysPace() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("firehose")
        let (device, _) = try await gateway.login("firehose", token: token)
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        _ = try await client.next(type: "snapshot")
        client.setStalled(true)

        // 40,000 telemetry frames with a 1 KiB field: far more than the client's queue and the socket
        // buffers hold. Every one is still ACKed: ingestion does not wait for the browser.
        let blob = Field(tag: 1, value: .bytes([UInt8](repeating: 0x5A, count: 1024)))
        var burst: [UInt8] = []
        for seq in 0..<1000 {
            var buffer = ByteBuffer()
            buffer.writeFrame(
                .telemetry(Telemetry(timestampMs: 1, fields: [blob])), flags: .ackRequested, seq: UInt16(seq))
            burst += buffer.readableBytesView
        }
        var acked = 0
        for _ in 0..<40 {
            try await device.sendRaw(burst)
            for _ in 0..<1000 {
                guard case .ack? = try await device.receive(timeout: .seconds(10))?.message else {
                    throw TestFailure("missing ACK")
                }
                acked += 1
            }
        }
        #expect(acked == 40_000)
        #expect(gateway.metricsText.contains("gatehouse_websocket_dropped_messages_total 0") == false)

        // Once it reads again it is told how much it missed.
        client.setStalled(false)
        let lagged = try await client.next(type: "lagged", timeout: .seconds(30))
        #expect((lagged["dropped"] as? Int ?? 0) > 0)
        client.close()
        await device.close()
        try await gateway.stop()
    }
}
