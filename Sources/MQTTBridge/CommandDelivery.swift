import DFP
import GatehouseCore
import NIOCore

/// A queued command that the node owning it hands to the node holding its device's session, on that
/// node's deliveries topic:
/// `{"type":"delivery","node":owner,"command_id":…,"device":…,"name":…,"arguments":"<DFP fields, hex>","deliver_by_ms":…}`.
///
/// The arguments travel as the DFP fields the owner read from the request with the device's profile,
/// so the command is sent exactly as accepted. Past `deliver_by_ms` the owner has already given the
/// command up as `timeout`, so it must not reach the device any more.
struct CommandDelivery: Sendable {
    var owner: String
    var commandID: String
    var deviceID: String
    var name: String
    var arguments: [Field]
    var deliverByMs: Int64

    init(_ record: CommandRecord, owner: String, nowMs: Int64) {
        self.owner = owner
        self.commandID = record.id
        self.deviceID = record.deviceID
        self.name = record.name
        self.arguments = record.arguments
        self.deliverByMs = nowMs + record.timeoutMs
    }

    init?(payload: [UInt8]) {
        guard let json = try? JSONValue.parse(String(decoding: payload, as: UTF8.self)),
            json["type"]?.stringValue == "delivery", let owner = json["node"]?.stringValue,
            let commandID = json["command_id"]?.stringValue, let deviceID = json["device"]?.stringValue,
            let name = json["name"]?.stringValue, let hex = json["arguments"]?.stringValue,
            let encoded = [UInt8](hexString: hex), let deliverBy = json["deliver_by_ms"]?.doubleValue
        else { return nil }
        var buffer = ByteBuffer(bytes: encoded)
        guard let arguments = try? buffer.readFields() else { return nil }
        self.owner = owner
        self.commandID = commandID
        self.deviceID = deviceID
        self.name = name
        self.arguments = arguments
        self.deliverByMs = Int64(deliverBy)
    }

    var payload: [UInt8] {
        var arguments = ByteBuffer()
        arguments.writeFields(self.arguments)
        return JSONValue.object([
            ("type", .string("delivery")), ("node", .string(self.owner)), ("command_id", .string(self.commandID)),
            ("device", .string(self.deviceID)), ("name", .string(self.name)),
            ("arguments", .string(Array(buffer: arguments).hexString)), ("deliver_by_ms", .int(self.deliverByMs)),
        ]).serializedBytes()
    }
}
