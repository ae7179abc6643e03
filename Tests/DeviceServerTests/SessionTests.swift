import DFP
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Sessions over real TCP")
struct SessionTests {
    @Test func registeredDeviceLogsInAndIsReportedOnline() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-0001", profile: "thermostat")
        let (device, welcome) = try await gateway.login("thermo-0001", token: token)

        #expect(welcome.heartbeatSeconds == 30)
        #expect(welcome.sessionID.hasPrefix("s-"))
        let now = UInt64(gateway.gateway.clock.nowMilliseconds())
        #expect(welcome.serverTimeMs <= now && welcome.serverTimeMs + 5_000 > now)
        let statuses = try await gateway.sink.waitForStatuses(of: "thermo-0001", count: 1)
        #expect(statuses.map(\.reason) == [.hello])
        let session = try #require(gateway.gateway.sessions.session(for: "thermo-0001"))
        #expect(session.sessionID == welcome.sessionID)
        #expect(session.profile?.name == "thermostat")
        #expect(session.remoteAddress.hasPrefix("127.0.0.1:"))
        await device.close()
        try await gateway.stop()
    }

    @Test func wrongTokenAndUnknownDeviceGetError6AndNoSession() async throws {
        let gateway = try await TestGateway.start()
        _ = try gateway.register("meter-1")
        for (id, token) in [("meter-1", "wrong"), ("nobody", "whatever")] {
            let device = try await gateway.connect()
            try await device.send(.hello(Hello(deviceID: id, token: token)), seq: 1)
            #expect(try await device.expectError() == .authenticationFailed)
            #expect(try await device.isClosed())
            #expect(gateway.gateway.sessions.session(for: id) == nil)
        }
        #expect(gateway.sink.events.isEmpty)
        try await gateway.stop()
    }

    @Test func failedHelloDoesNotDisturbTheLiveSession() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("meter-2")
        let (device, welcome) = try await gateway.login("meter-2", token: token)
        let intruder = try await gateway.connect()
        try await intruder.send(.hello(Hello(deviceID: "meter-2", token: "guess")), seq: 1)
        #expect(try await intruder.expectError() == .authenticationFailed)

        try await device.send(.ping, seq: 9)
        #expect(try await device.receive() == Packet(.pong, seq: 9))
        #expect(gateway.gateway.sessions.session(for: "meter-2")?.sessionID == welcome.sessionID)
        await device.close()
        try await gateway.stop()
    }

    @Test func aNewLoginTakesTheSessionOverWithoutShowingTheDeviceOffline() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("tracker-7")
        let (first, firstWelcome) = try await gateway.login("tracker-7", token: token)
        let (second, secondWelcome) = try await gateway.login("tracker-7", token: token)

        #expect(try await first.expectError() == .sessionReplaced)
        #expect(try await first.isClosed())
        #expect(firstWelcome.sessionID != secondWelcome.sessionID)
        #expect(gateway.gateway.sessions.session(for: "tracker-7")?.sessionID == secondWelcome.sessionID)

        // The new session works, and the old connection's close reported nothing.
        try await second.send(.ping, seq: 3)
        #expect(try await second.receive() == Packet(.pong, seq: 3))
        let statuses = gateway.sink.statuses(of: "tracker-7")
        #expect(statuses.map(\.online) == [true, true])
        #expect(statuses.map(\.reason) == [.hello, .takeover])
        #expect(gateway.gateway.sessions.count == 1)
        await second.close()
        try await gateway.stop()
    }

    @Test(arguments: [(UInt16(0), UInt16(30)), (5, 5), (7200, 3600)])
    func heartbeatRequestsAreGrantedWithinBounds(requested: UInt16, granted: UInt16) async throws {
        let gateway = try await TestGateway.start { $0.heartbeatMin = .seconds(2) }
        let token = try gateway.register("hb-\(requested)")
        let (device, welcome) = try await gateway.login("hb-\(requested)", token: token, heartbeat: requested)
        #expect(welcome.heartbeatSeconds == granted)
        await device.close()
        try await gateway.stop()
    }

    @Test func aRequestBelowTheMinimumIsRaisedToIt() async throws {
        let gateway = try await TestGateway.start { $0.heartbeatMin = .seconds(5) }
        let token = try gateway.register("hb-low")
        let (device, welcome) = try await gateway.login("hb-low", token: token, heartbeat: 1)
        #expect(welcome.heartbeatSeconds == 5)
        await device.close()
        try await gateway.stop()
    }

    @Test func aSilentDeviceExpiresWithError8() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("silent-1")
        let (device, welcome) = try await gateway.login("silent-1", token: token, heartbeat: 1)
        #expect(welcome.heartbeatSeconds == 1)
        #expect(try await device.expectError(timeout: .seconds(10)) == .heartbeatTimeout)
        #expect(try await device.isClosed())
        let statuses = try await gateway.sink.waitForStatuses(of: "silent-1", count: 2)
        #expect(statuses.map(\.reason) == [.hello, .timeout])
        #expect(gateway.gateway.sessions.count == 0)
        try await gateway.stop()
    }

    @Test func anyValidFrameKeepsTheSessionAlive() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("chatty-1")
        let (device, _) = try await gateway.login("chatty-1", token: token, heartbeat: 2)
        // 4 s of PINGs every 250 ms: longer than the 3 s expiry interval, yet the session survives. The
        // gaps are short so that a machine busy enough to stall a test task for a while does not expire it.
        for seq in UInt16(1)...16 {
            try await Task.sleep(for: .milliseconds(250))
            try await device.send(.ping, seq: seq)
            #expect(try await device.receive() == Packet(.pong, seq: seq))
        }
        #expect(gateway.gateway.sessions.session(for: "chatty-1") != nil)
        await device.close()
        try await gateway.stop()
    }

    @Test func pingIsAnsweredWithPongOfTheSameSeq() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("pinger")
        let (device, _) = try await gateway.login("pinger", token: token)
        for seq: UInt16 in [0, 1, 65535] {
            try await device.send(.ping, seq: seq)
            #expect(try await device.receive() == Packet(.pong, seq: seq))
        }
        try await device.send(.ping, seq: 77, flags: .ackRequested)
        #expect(try await device.receive() == Packet(.pong, seq: 77))
        #expect(try await device.receive() == Packet(.ack, seq: 77))
        await device.close()
        try await gateway.stop()
    }

    @Test func telemetryWithAckRequestIsAckedAndDecodedThroughTheProfile() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-0002", profile: "thermostat")
        let (device, _) = try await gateway.login("thermo-0002", token: token)
        let fields = [Field(tag: 1, value: .i16(215)), Field(tag: 200, value: .u8(7))]
        try await device.send(
            .telemetry(Telemetry(timestampMs: 1_767_225_600_123, fields: fields)), seq: 42, flags: .ackRequested)
        #expect(try await device.receive() == Packet(.ack, seq: 42))
        // Without ACK_REQ: no answer, but the report still reaches the sinks.
        try await device.send(.telemetry(Telemetry(timestampMs: 0, fields: fields)), seq: 43)

        #expect(
            try await gateway.sink.waitUntil { events in
                events.count { if case .telemetry = $0 { true } else { false } } == 2
            }
        )
        let reports = gateway.sink.events.compactMap { event -> TelemetryReport? in
            if case .telemetry(let report) = event { report } else { nil }
        }
        #expect(reports.map(\.seq) == [42, 43])
        #expect(reports[0].timestampMs == 1_767_225_600_123)
        let receiveTime = gateway.gateway.clock.nowMilliseconds()
        #expect(abs(reports[1].timestampMs - receiveTime) < 5_000)
        let values = Dictionary(uniqueKeysWithValues: reports[0].values.map { ($0.name, $0.value) })
        #expect(values["temperature"] == .double(21.5))
        #expect(values["200"] == .uint(7))
        await device.close()
        try await gateway.stop()
    }

    @Test func eventsAndCommandResultsReachTheSinks() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-0003", profile: "thermostat")
        let (device, _) = try await gateway.login("thermo-0003", token: token)
        try await device.send(.event(Event(timestampMs: 5, code: 1, fields: [])), seq: 3, flags: .ackRequested)
        #expect(try await device.receive() == Packet(.ack, seq: 3))
        let result = CommandResult(commandID: 9, status: .ok, fields: [Field(tag: 1, value: .string("done"))])
        try await device.send(.commandResult(result), seq: 4)
        #expect(
            try await gateway.sink.waitUntil { events in
                events.contains { if case .commandResult(let report) = $0 { report.result == result } else { false } }
            }
        )
        let event = try #require(
            gateway.sink.events.compactMap { event -> EventReport? in
                if case .event(let report) = event { report } else { nil }
            }.first
        )
        #expect(event.code == 1)
        #expect(event.timestampMs == 5)
        await device.close()
        try await gateway.stop()
    }

    @Test func byeEndsTheSessionAsOfflineBye() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("leaver")
        let (device, _) = try await gateway.login("leaver", token: token)
        try await device.send(.bye, seq: 8, flags: .ackRequested)
        #expect(try await device.receive() == Packet(.ack, seq: 8))
        #expect(try await device.isClosed())
        let statuses = try await gateway.sink.waitForStatuses(of: "leaver", count: 2)
        #expect(statuses.map(\.online) == [true, false])
        #expect(statuses.map(\.reason) == [.hello, .bye])
        try await gateway.stop()
    }

    @Test func aDroppedConnectionIsReportedOfflineWithReasonError() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("dropper")
        let (device, _) = try await gateway.login("dropper", token: token)
        await device.close()
        let statuses = try await gateway.sink.waitForStatuses(of: "dropper", count: 2)
        #expect(statuses.map(\.reason) == [.hello, .error])
        try await gateway.stop()
    }

    @Test func unknownDevicesAreAdmittedOnlyWhenAllowed() async throws {
        let gateway = try await TestGateway.start { $0.allowUnknownDevices = true }
        let token = try gateway.register("known")
        let (stranger, _) = try await gateway.login("stranger-1", token: "", profile: "gps-tracker")
        #expect(gateway.gateway.sessions.session(for: "stranger-1")?.profile?.name == "gps-tracker")
        // A registered device still needs its own token.
        let impostor = try await gateway.connect()
        try await impostor.send(.hello(Hello(deviceID: "known", token: "not-\(token)")), seq: 1)
        #expect(try await impostor.expectError() == .authenticationFailed)
        await stranger.close()
        try await gateway.stop()
    }

    @Test func theRegisteredProfileWinsAndAnUnknownOneMeansTagNumbers() async throws {
        let gateway = try await TestGateway.start()
        let registered = try gateway.register("meter-9", profile: "power-meter")
        let unprofiled = try gateway.register("mystery-1")
        let (meter, _) = try await gateway.login("meter-9", token: registered, profile: "thermostat")
        let (mystery, _) = try await gateway.login("mystery-1", token: unprofiled, profile: "no-such-profile")
        #expect(gateway.gateway.sessions.session(for: "meter-9")?.profile?.name == "power-meter")
        #expect(gateway.gateway.sessions.session(for: "mystery-1")?.profile == nil)

        try await mystery.send(.telemetry(Telemetry(timestampMs: 1, fields: [Field(tag: 1, value: .i16(215))])), seq: 1)
        #expect(
            try await gateway.sink.waitUntil { events in
                events.contains { event in
                    guard case .telemetry(let report) = event else { return false }
                    return report.values.map(\.name) == ["1"] && report.values.first?.value == .int(215)
                }
            }
        )
        await meter.close()
        await mystery.close()
        try await gateway.stop()
    }
}
