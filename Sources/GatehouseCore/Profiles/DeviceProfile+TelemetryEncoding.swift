public import DFP

extension DeviceProfile {
    /// A TELEMETRY field from a value given by the field's name in engineering units, the way a person
    /// types it to a simulated device: `temperature` 21.5 is tag 1, i16 215 for a thermostat.
    public func telemetryField(named name: String, value: ProfileValue) throws(TelemetryFieldError) -> Field {
        guard let (tag, spec) = self.telemetry.first(where: { $0.value.name == name }) else {
            throw .unknownField(name, available: self.telemetry.values.map(\.name).sorted())
        }
        guard value.isKind(of: spec.type) else { throw .typeMismatch(field: name, expected: spec.type) }
        guard let wireValue = FieldValue(value, as: spec.type, scale: spec.scale) else {
            throw .valueOutOfRange(field: name, type: spec.type)
        }
        return Field(tag: tag, value: wireValue)
    }

    /// The arguments of a COMMAND for command `name`, named and scaled as its profile entry says.
    public func commandArgumentValues(name: String, fields: [Field]) -> [NamedValue] {
        let arguments = self.commands[name]?.arguments ?? [:]
        let specs = Dictionary(
            arguments.map {
                ($0.value.tag, FieldSpec(name: $0.key, type: $0.value.type, unit: $0.value.unit, scale: $0.value.scale))
            },
            uniquingKeysWith: { first, _ in first })
        return Self.namedValues(fields, specs: specs)
    }
}
