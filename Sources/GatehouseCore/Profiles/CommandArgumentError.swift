public import DFP

/// Why command arguments could not be encoded; each case names the command and argument concerned, since the
/// message usually reaches an operator or an API client rather than a developer.
public enum CommandArgumentError: Error, Hashable, CustomStringConvertible {
    case unknownCommand(String, available: [String])
    case unknownArgument(command: String, argument: String, available: [String])
    case missingArgument(command: String, argument: String)
    /// A value of the wrong kind, such as a string for an `i16` argument.
    case typeMismatch(command: String, argument: String, expected: FieldType)
    /// A number that, once scaled and rounded, does not fit the argument's type (or a string or byte string too long
    /// for DFP's length prefix).
    case valueOutOfRange(command: String, argument: String, type: FieldType)

    public var description: String {
        switch self {
        case .unknownCommand(let command, let available):
            "unknown command \"\(command)\" (\(Self.listing(available, noun: "commands")))"
        case .unknownArgument(let command, let argument, let available):
            "command \"\(command)\" has no argument \"\(argument)\" (\(Self.listing(available, noun: "arguments")))"
        case .missingArgument(let command, let argument):
            "command \"\(command)\" requires the argument \"\(argument)\""
        case .typeMismatch(let command, let argument, let expected):
            "argument \"\(argument)\" of command \"\(command)\" must be \(Self.kindDescription(of: expected))"
        case .valueOutOfRange(let command, let argument, let type):
            "argument \"\(argument)\" of command \"\(command)\" is out of range for its type \(type)"
        }
    }

    private static func listing(_ names: [String], noun: String) -> String {
        names.isEmpty ? "it has no \(noun)" : "known \(noun): \(names.joined(separator: ", "))"
    }

    private static func kindDescription(of type: FieldType) -> String {
        switch type {
        case .bool: "a boolean"
        case .str: "a string"
        case .bytes: "a byte string"
        default: "a number (sent as \(type))"
        }
    }
}
