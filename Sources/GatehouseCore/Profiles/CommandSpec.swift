/// How a profile describes one command: its arguments by name, and the fields of its COMMAND_RESULT by tag.
public struct CommandSpec: Hashable, Sendable {
    /// Every argument is required.
    public var arguments: [String: ArgumentSpec]
    public var result: [UInt8: FieldSpec]

    public init(arguments: [String: ArgumentSpec] = [:], result: [UInt8: FieldSpec] = [:]) {
        self.arguments = arguments
        self.result = result
    }
}
