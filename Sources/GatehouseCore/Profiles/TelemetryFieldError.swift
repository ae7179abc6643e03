public import DFP

/// Why a telemetry value given by name could not be encoded for its device's profile.
public enum TelemetryFieldError: Error, Hashable, CustomStringConvertible {
    case unknownField(String, available: [String])
    /// A value of the wrong kind, such as a string for an `i16` field.
    case typeMismatch(field: String, expected: FieldType)
    /// A number that, once scaled and rounded, does not fit the field's type.
    case valueOutOfRange(field: String, type: FieldType)

    public var description: String {
        switch self {
        case .unknownField(let name, let available):
            "the profile has no telemetry field \"\(name)\" (known fields: \(available.joined(separator: ", ")))"
        case .typeMismatch(let field, let expected):
            "\(field) is sent as \(expected): give \(expected == .bool ? "true or false" : expected.isNumeric ? "a number" : "text")"
        case .valueOutOfRange(let field, let type):
            "\(field) is out of range for its type \(type)"
        }
    }
}
