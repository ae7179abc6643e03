import DFP
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Simulator
import Testing

@Suite("Commands through the REST API")
struct CommandAPITests {
    @Test func aCommandIsEncodedThroughTheProfileAndAnsweredWithTheDevicesResult() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-c", profile: "thermostat")
        let (device, _) = try await gateway.login("thermo-c", token: token)
        async let reply = HTTPClient(gateway).post(
            "/api/devices/thermo-c/commands",
            #"{"name":"set_setpoint","args":{"value":22.5},"timeout_ms":5000}"#
        )
        let command = try await device.answerNextCommand(fields: [Field(tag: 1, value: .i16(225))])
        #expect(command.name == "set_setpoint")
        #expect(command.arguments == [Field(tag: 1, value: .i16(225))])
        let answer = try await reply
        #expect(answer.status == 200)
        #expect(answer.object["status"] as? String == "ok")
        #expect((answer.object["command_id"] as? String)?.hasPrefix("cmd-") == true)
        #expect((answer.object["result"] as? [String: Any])?["setpoint"] as? Double == 22.5)
        await device.close()
        try await gateway.stop()
    }

    @Test(arguments: [(CommandStatus.failed, "failed"), (.unsupported, "unsupported"), (.busy, "busy")])
    func theDevicesStatusIsReported(status: CommandStatus, name: String) async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("thermo-s", profile: "thermostat")
        let (device, _) = try await gateway.login("thermo-s", token: token)
        async let reply = HTTPClient(gateway).post(
            "/api/devices/thermo-s/commands", #"{"name":"set_mode","args":{"mode":"off"}}"#)
        _ = try await device.answerNextCommand(status: status)
        #expect(try await reply.object["status"] as? String == name)
        await device.close()
        try await gateway.stop()
    }

    @Test func aCommandWithoutAnswerTimesOutWith504() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("mute", profile: "thermostat")
        let (device, _) = try await gateway.login("mute", token: token)
        let reply = try await HTTPClient(gateway).post(
            "/api/devices/mute/commands",
            #"{"name":"set_setpoint","args":{"value":20},"timeout_ms":300}"#
        )
        #expect(reply.status == 504)
        #expect(reply.object["status"] as? String == "timeout")
        #expect(reply.object["command_id"] is String)
        // The device did get it.
        guard case .command? = try await device.receive()?.message else { throw TestFailure("no COMMAND") }
        await device.close()
        try await gateway.stop()
    }

    @Test func unknownCommandsAndArgumentsAreRefusedNamingThem() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("strict", profile: "thermostat")
        let (device, _) = try await gateway.login("strict", token: token)
        let api = HTTPClient(gateway)
        let unknownCommand = try await api.post("/api/devices/strict/commands", #"{"name":"launch"}"#)
        #expect(unknownCommand.status == 400)
        #expect((unknownCommand.object["error"] as? String)?.contains("launch") == true)
        let unknownArgument = try await api.post(
            "/api/devices/strict/commands",
            #"{"name":"set_setpoint","args":{"value":20,"speed":3}}"#
        )
        #expect(unknownArgument.status == 400)
        #expect((unknownArgument.object["error"] as? String)?.contains("speed") == true)
        await device.close()
        try await gateway.stop()
    }

    @Test func aCommandForAnOfflineDeviceIs409() async throws {
        let gateway = try await TestGateway.start()
        _ = try gateway.register("away", profile: "thermostat")
        let reply = try await HTTPClient(gateway).post(
            "/api/devices/away/commands", #"{"name":"set_setpoint","args":{"value":20}}"#)
        #expect(reply.status == 409)
        #expect(reply.object["error"] as? String == "device offline")
        #expect(reply.object["status"] as? String == "offline")
        try await gateway.stop()
    }

    @Test func aDeviceWithoutAProfileTakesArgumentsByTagAndType() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("raw-1")
        let (device, _) = try await gateway.login("raw-1", token: token)
        async let reply = HTTPClient(gateway).post(
            "/api/devices/raw-1/commands",
            #"{"name":"blink","args":{"1":{"type":"i16","value":225},"2":{"type":"str","value":"red"}}}"#
        )
        let command = try await device.answerNextCommand(fields: [Field(tag: 3, value: .u8(1))])
        #expect(command.name == "blink")
        #expect(command.arguments == [Field(tag: 1, value: .i16(225)), Field(tag: 2, value: .string("red"))])
        #expect((try await reply.object["result"] as? [String: Any])?["3"] as? Int == 1)
        await device.close()
        try await gateway.stop()
    }
}
