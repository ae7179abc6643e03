public import DFP

extension DeviceProfile {
    /// The argument fields of a COMMAND, from values given by name in engineering units, ordered by tag.
    ///
    /// Every argument the profile lists is required and nothing else is accepted, so a typo in an argument name is
    /// reported instead of silently leaving the device to use a default.
    public func commandArguments(
        name: String, values: [String: ProfileValue]
    ) throws(CommandArgumentError) -> [Field] {
        guard let command = commands[name] else {
            throw .unknownCommand(name, available: commands.keys.sorted())
        }
        if let unknown = values.keys.sorted().first(where: { command.arguments[$0] == nil }) {
            throw .unknownArgument(command: name, argument: unknown, available: command.arguments.keys.sorted())
        }
        return try command.arguments.sorted { $0.value.tag < $1.value.tag }.map {
            (argumentName, spec) throws(CommandArgumentError) in
            guard let value = values[argumentName] else {
                throw .missingArgument(command: name, argument: argumentName)
            }
            guard value.isKind(of: spec.type) else {
                throw .typeMismatch(command: name, argument: argumentName, expected: spec.type)
            }
            guard let wireValue = FieldValue(value, as: spec.type, scale: spec.scale) else {
                throw .valueOutOfRange(command: name, argument: argumentName, type: spec.type)
            }
            return Field(tag: spec.tag, value: wireValue)
        }
    }
}
