import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("WebSocket live feed")
struct LiveFeedTests {
    @Test func aClientGetsASnapshotFirstThenLiveTelemetry() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-ws", profile: "thermostat")
        _ = try gateway.register("idle-ws")
        let (device, _) = try await gateway.login("thermo-ws", token: token)
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        let snapshot = try await client.next()
        #expect(snapshot["type"] as? String == "snapshot")
        let devices = try #require(snapshot["devices"] as? [[String: Any]])
        #expect(devices.map { $0["id"] as? String } == ["idle-ws", "thermo-ws"])
        #expect(devices.last?["online"] as? Bool == true)

        try await device.send(
            .telemetry(Telemetry(timestampMs: 1_767_225_600_123, fields: [Field(tag: 1, value: .i16(215))])),
            seq: 7
        )
        let telemetry = try await client.next(type: "telemetry")
        #expect(telemetry["device"] as? String == "thermo-ws")
        #expect((telemetry["ts"] as? NSNumber)?.int64Value == 1_767_225_600_123)
        #expect(telemetry["seq"] as? Int == 7)
        #expect((telemetry["fields"] as? [String: Any])?["temperature"] as? Double == 21.5)
        client.close()
        await device.close()
        try await gateway.stop()
    }

    @Test func statusChangesAreStreamedOnConnectTakeoverAndTimeout() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("flaky-ws")
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        _ = try await client.next(type: "snapshot")

        // A long heartbeat first, so only the second session can expire, however slow the machine.
        let (first, firstWelcome) = try await gateway.login("flaky-ws", token: token, heartbeat: 600)
        let online = try await client.next(type: "status")
        #expect(online["device"] as? String == "flaky-ws")
        #expect(online["online"] as? Bool == true)
        #expect(online["reason"] as? String == "hello")
        #expect(online["session_id"] as? String == firstWelcome.sessionID)
        #expect(online["ts"] is NSNumber)

        let (second, secondWelcome) = try await gateway.login("flaky-ws", token: token, heartbeat: 1)
        let takeover = try await client.next(type: "status")
        #expect(takeover["online"] as? Bool == true)
        #expect(takeover["reason"] as? String == "takeover")
        #expect(takeover["session_id"] as? String == secondWelcome.sessionID)
        #expect(try await first.expectError() == .sessionReplaced)

        // The second session goes silent: heartbeat 1 s, expiry after 1.5 s.
        let timeout = try await client.next(type: "status", timeout: .seconds(10))
        #expect(timeout["online"] as? Bool == false)
        #expect(timeout["reason"] as? String == "timeout")
        #expect(timeout["session_id"] as? String == secondWelcome.sessionID)
        client.close()
        await second.close()
        try await gateway.stop()
    }

    @Test func subscriptionsSelectWhichDevicesAClientHears() async throws {
        let gateway = try await TestGateway.start()
        let tokenA = try gateway.register("sub-a")
        let tokenB = try gateway.register("sub-b")
        let (a, _) = try await gateway.login("sub-a", token: tokenA)
        let (b, _) = try await gateway.login("sub-b", token: tokenB)
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        _ = try await client.next(type: "snapshot")

        client.send(#"{"type":"subscribe","devices":["sub-b"]}"#)
        try await Self.barrier(client, "after-subscribe")
        // ACKed, so the gateway has handed them to the live feed before the subscription changes below:
        // device A's connection may be served on another event loop than B's.
        for seq in UInt16(1)...3 {
            try await a.send(.telemetry(Telemetry(timestampMs: 1, fields: [])), seq: seq, flags: .ackRequested)
            #expect(try await a.receive() == Packet(.ack, seq: seq))
        }
        try await b.send(.telemetry(Telemetry(timestampMs: 1, fields: [])), seq: 100)
        let fromB = try await client.next(type: "telemetry")
        #expect(fromB["device"] as? String == "sub-b")

        client.send(#"{"type":"subscribe","devices":"*"}"#)
        client.send(#"{"type":"unsubscribe","devices":["sub-b"]}"#)
        try await Self.barrier(client, "after-unsubscribe")
        try await b.send(.telemetry(Telemetry(timestampMs: 1, fields: [])), seq: 101)
        try await a.send(.telemetry(Telemetry(timestampMs: 1, fields: [])), seq: 4)
        let next = try await client.next(type: "telemetry")
        #expect(next["device"] as? String == "sub-a")
        #expect(next["seq"] as? Int == 4)
        client.close()
        await a.close()
        await b.close()
        try await gateway.stop()
    }

    /// Waits until the server has handled everything the client sent before: it reads a client's
    /// messages in order, so the answer to a command sent last comes after they took effect.
    static func barrier(_ client: LiveFeedTestClient, _ id: String) async throws {
        client.send(#"{"type":"command","request_id":"\#(id)","device":"nobody","name":"barrier"}"#)
        _ = try await client.next(type: "command_result") { $0["request_id"] as? String == id }
    }

    @Test func commandsFromAClientAreAnsweredWithTheirRequestID() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-cmd", profile: "thermostat")
        let (device, _) = try await gateway.login("thermo-cmd", token: token)
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        _ = try await client.next(type: "snapshot")
        client.send(
            #"{"type":"command","request_id":"r-1","device":"thermo-cmd","name":"set_setpoint","args":{"value":19.5},"timeout_ms":5000}"#
        )
        let command = try await device.answerNextCommand(fields: [Field(tag: 1, value: .i16(195))])
        #expect(command.arguments == [Field(tag: 1, value: .i16(195))])
        // A client watching the device sees every step of the command's life, with its request ID.
        var steps: [String] = []
        var result: [String: Any] = [:]
        while !result.isFinalCommandResult {
            result = try await client.next(type: "command_result") { $0["request_id"] as? String == "r-1" }
            steps.append(result["status"] as? String ?? "?")
        }
        #expect(steps == ["queued", "sent", "ok"])
        #expect(result["device"] as? String == "thermo-cmd")
        #expect(result["status"] as? String == "ok")
        #expect((result["command_id"] as? String)?.hasPrefix("cmd-") == true)
        #expect((result["result"] as? [String: Any])?["setpoint"] as? Double == 19.5)

        client.send(#"{"type":"command","request_id":"r-2","device":"nobody","name":"x"}"#)
        let unknown = try await client.next(type: "command_result") { $0["request_id"] as? String == "r-2" }
        #expect(unknown["status"] as? String == "invalid")
        #expect(unknown["error"] as? String == "no device nobody")

        client.send(
            #"{"type":"command","request_id":"r-3","device":"thermo-cmd","name":"set_setpoint","args":{"value":1},"timeout_ms":200}"#
        )
        let timedOut = try await client.next(type: "command_result") {
            $0["request_id"] as? String == "r-3" && $0.isFinalCommandResult
        }
        #expect(timedOut["status"] as? String == "timeout")
        client.close()
        await device.close()
        try await gateway.stop()
    }

    @Test func aBadClientMessageGetsAnErrorAndTheSocketStaysOpen() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("steady")
        let client = LiveFeedTestClient(port: gateway.httpPort, token: gateway.apiToken)
        _ = try await client.next(type: "snapshot")
        for bad in ["not json", #"{"type":"dance"}"#, #"{"type":"subscribe","devices":42}"#] {
            client.send(bad)
            let error = try await client.next(type: "error")
            #expect((error["message"] as? String)?.isEmpty == false)
        }
        let (device, _) = try await gateway.login("steady", token: token)
        #expect(try await client.next(type: "status")["device"] as? String == "steady")
        client.close()
        await device.close()
        try await gateway.stop()
    }

    @Test func theLiveFeedRefusesAClientWithoutTheToken() async throws {
        let gateway = try await TestGateway.start()
        for token in [nil, "wrong"] {
            let client = LiveFeedTestClient(port: gateway.httpPort, token: token)
            #expect(await client.closed())
            await #expect(throws: LiveFeedTestClient.Timeout.self) {
                _ = try await client.next(timeout: .milliseconds(200))
            }
        }
        try await gateway.stop()
    }
}
