/// What a kind of device sends and accepts, loaded from `devices/NAME.yaml`: names, units and scales for the tags
/// of its telemetry, events and command results, names for its event codes, and its commands' arguments.
public struct DeviceProfile: Hashable, Sendable {
    /// The file name without `.yaml`.
    public var name: String
    public var description: String?
    public var telemetry: [UInt8: FieldSpec]
    public var eventCodes: [UInt16: String]
    /// Shared by all event codes: a tag means the same thing in every event of the device.
    public var eventFields: [UInt8: FieldSpec]
    public var commands: [String: CommandSpec]

    public init(
        name: String,
        description: String? = nil,
        telemetry: [UInt8: FieldSpec] = [:],
        eventCodes: [UInt16: String] = [:],
        eventFields: [UInt8: FieldSpec] = [:],
        commands: [String: CommandSpec] = [:]
    ) {
        self.name = name
        self.description = description
        self.telemetry = telemetry
        self.eventCodes = eventCodes
        self.eventFields = eventFields
        self.commands = commands
    }

    /// The profile of a device nobody described: every field keeps its tag number as its name and its raw value,
    /// and there are no named events or commands.
    public static let unnamed = DeviceProfile(name: "")
}
