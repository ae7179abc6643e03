public import DFP

/// The profile functions on a device's optional profile, so callers never special-case a device without one: a nil
/// profile behaves as `DeviceProfile.unnamed` and names fields by their tag numbers.
extension Optional where Wrapped == DeviceProfile {
    public func telemetryValues(_ fields: [Field]) -> [NamedValue] {
        (self ?? .unnamed).telemetryValues(fields)
    }

    public func eventValues(_ fields: [Field]) -> [NamedValue] {
        (self ?? .unnamed).eventValues(fields)
    }

    public func eventName(code: UInt16) -> String? {
        (self ?? .unnamed).eventName(code: code)
    }

    public func commandArguments(
        name: String, values: [String: ProfileValue]
    ) throws(CommandArgumentError) -> [Field] {
        try (self ?? .unnamed).commandArguments(name: name, values: values)
    }

    public func commandResultValues(name: String, fields: [Field]) -> [NamedValue] {
        (self ?? .unnamed).commandResultValues(name: name, fields: fields)
    }
}
