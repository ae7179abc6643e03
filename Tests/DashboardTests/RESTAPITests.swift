import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("REST API over real HTTP")
struct RESTAPITests {
    @Test func theHealthCheckAndThePageShellAreOpenEverythingElseNeedsTheToken() async throws {
        let gateway = try await TestGateway.start()
        let anonymous = HTTPClient(gateway, authorized: false)
        let health = try await anonymous.get("/healthz")
        #expect(health.status == 200 && health.text == "ok")
        let page = try await anonymous.get("/")
        #expect(page.status == 200)
        #expect(page.text.contains("Gatehouse"))
        #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)

        for path in ["/api/devices", "/api/devices/x", "/api/profiles", "/metrics", "/ws"] {
            let reply = try await anonymous.get(path)
            #expect(reply.status == 401, "\(path)")
            #expect(!reply.text.contains("devices\""), "\(path) leaked data")
        }
        #expect(try await anonymous.post("/api/devices", #"{"id":"x"}"#).status == 401)
        let wrongToken = HTTPClient(gateway, token: "not-the-token")
        #expect(try await wrongToken.get("/api/devices").status == 401)
        #expect(try gateway.gateway.registry.list().isEmpty)
        try await gateway.stop()
    }

    @Test func devicesListRegisteredAndConnectedDevicesWithTheirLatestTelemetry() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-1", profile: "thermostat")
        _ = try gateway.register("meter-1", profile: "power-meter")
        let (device, welcome) = try await gateway.login("thermo-1", token: token, profile: "thermostat")
        try await device.send(
            .telemetry(Telemetry(timestampMs: 1_767_225_600_123, fields: [Field(tag: 1, value: .i16(215))])),
            seq: 5,
            flags: .ackRequested
        )
        #expect(try await device.receive() == Packet(.ack, seq: 5))

        let api = HTTPClient(gateway)
        let all = try await api.get("/api/devices")
        #expect(all.status == 200)
        #expect(all.array.map { $0["id"] as? String } == ["meter-1", "thermo-1"])
        let thermo = try #require(all.array.last)
        #expect(thermo["online"] as? Bool == true)
        #expect(thermo["profile"] as? String == "thermostat")
        #expect(thermo["reason"] as? String == "hello")
        #expect(thermo["session_id"] as? String == welcome.sessionID)
        #expect((thermo["remote"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(thermo["connected_at_ms"] is NSNumber)
        #expect(thermo["last_seen_ms"] is NSNumber)
        let telemetry = try #require(thermo["last_telemetry"] as? [String: Any])
        #expect((telemetry["ts"] as? NSNumber)?.int64Value == 1_767_225_600_123)
        #expect((telemetry["fields"] as? [String: Any])?["temperature"] as? Double == 21.5)
        let meter = try #require(all.array.first)
        #expect(meter["online"] as? Bool == false)
        #expect(meter["last_telemetry"] is NSNull)

        #expect(try await api.get("/api/devices?online=true").array.map { $0["id"] as? String } == ["thermo-1"])
        #expect(try await api.get("/api/devices?online=false").array.map { $0["id"] as? String } == ["meter-1"])
        let one = try await api.get("/api/devices/thermo-1")
        #expect(one.status == 200 && one.object["id"] as? String == "thermo-1")
        #expect(try await api.get("/api/devices/nobody").status == 404)
        await device.close()
        try await gateway.stop()
    }

    @Test func theRegistryIsManagedThroughTheAPI() async throws {
        let gateway = try await TestGateway.start()
        let api = HTTPClient(gateway)
        let created = try await api.post("/api/devices", #"{"id":"api-1","profile":"thermostat"}"#)
        #expect(created.status == 201)
        let token = try #require(created.object["token"] as? String)
        #expect(try await api.post("/api/devices", #"{"id":"api-1"}"#).status == 409)
        #expect(try await api.post("/api/devices", #"{"id":"bad id"}"#).status == 400)
        #expect(try await api.post("/api/devices", "not json").status == 400)
        #expect(try gateway.gateway.registry.device(id: "api-1")?.profile == "thermostat")
        let (device, _) = try await gateway.login("api-1", token: token)
        await device.close()

        let rotated = try await api.post("/api/devices/api-1/token")
        #expect(rotated.status == 200)
        let newToken = try #require(rotated.object["token"] as? String)
        #expect(newToken != token)
        let stale = try await gateway.connect()
        try await stale.send(.hello(Hello(deviceID: "api-1", token: token)), seq: 1)
        #expect(try await stale.expectError() == .authenticationFailed)
        _ = try await gateway.login("api-1", token: newToken)

        #expect(try await api.delete("/api/devices/api-1").status == 204)
        #expect(try await api.delete("/api/devices/api-1").status == 404)
        #expect(try await api.post("/api/devices/api-1/token").status == 404)
        try await gateway.stop()
    }

    @Test func metricsCountConnectionsFramesErrorsAndLogins() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("counted")
        let (device, _) = try await gateway.login("counted", token: token)
        for seq in UInt16(1)...3 {
            try await device.send(.telemetry(Telemetry(timestampMs: 1, fields: [])), seq: seq, flags: .ackRequested)
            #expect(try await device.receive() == Packet(.ack, seq: seq))
        }
        let intruder = try await gateway.connect()
        try await intruder.send(.hello(Hello(deviceID: "counted", token: "wrong")), seq: 1)
        #expect(try await intruder.expectError() == .authenticationFailed)

        let metrics = try await HTTPClient(gateway).get("/metrics")
        #expect(metrics.status == 200)
        for line in [
            #"gatehouse_frames_in_total{type="telemetry"} 3"#, #"gatehouse_frames_out_total{type="ack"} 3"#,
            #"gatehouse_errors_total{code="6"} 1"#, "gatehouse_auth_failures_total 1", "gatehouse_sessions_open 1",
            "gatehouse_connections_total 2",
        ] {
            #expect(metrics.text.contains(line), "missing \(line)")
        }
        #expect(metrics.text.contains("gatehouse_command_round_trip_seconds"))
        #expect(metrics.text.contains("gatehouse_websocket_dropped_messages_total"))
        await device.close()
        try await gateway.stop()
    }

    @Test func profilesAreServedForThePage() async throws {
        let gateway = try await TestGateway.start()
        let profiles = try await HTTPClient(gateway).get("/api/profiles").object
        let thermostat = try #require(profiles["thermostat"] as? [String: Any])
        let telemetry = try #require(thermostat["telemetry"] as? [String: Any])
        let temperature = try #require(telemetry["1"] as? [String: Any])
        #expect(temperature["name"] as? String == "temperature")
        #expect(temperature["unit"] as? String == "°C")
        let commands = try #require(thermostat["commands"] as? [String: Any])
        #expect(commands["set_setpoint"] != nil)
        try await gateway.stop()
    }
}
