public import DFP

extension DeviceProfile {
    /// The fields of a TELEMETRY frame, named and scaled, in the order the device sent them.
    public func telemetryValues(_ fields: [Field]) -> [NamedValue] {
        Self.namedValues(fields, specs: telemetry)
    }

    /// The fields of an EVENT frame, named and scaled, in the order the device sent them.
    public func eventValues(_ fields: [Field]) -> [NamedValue] {
        Self.namedValues(fields, specs: eventFields)
    }

    public func eventName(code: UInt16) -> String? {
        eventCodes[code]
    }

    /// The fields of the COMMAND_RESULT for command `name`, named and scaled by the command's `result` entries.
    public func commandResultValues(name: String, fields: [Field]) -> [NamedValue] {
        Self.namedValues(fields, specs: commands[name]?.result ?? [:])
    }

    /// A tag without an entry keeps its decimal number as its name and its raw value, so nothing a device sends
    /// is lost because its profile is incomplete.
    static func namedValues(_ fields: [Field], specs: [UInt8: FieldSpec]) -> [NamedValue] {
        fields.map { field in
            guard let spec = specs[field.tag] else {
                return NamedValue(name: String(field.tag), value: ProfileValue(field.value, scale: nil))
            }
            return NamedValue(name: spec.name, value: ProfileValue(field.value, scale: spec.scale), unit: spec.unit)
        }
    }
}
