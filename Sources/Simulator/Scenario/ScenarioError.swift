/// A scenario file that cannot be played, with the line at fault.
public struct ScenarioError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        self.line.map { "\(self.file):\($0): \(self.message)" } ?? "\(self.file): \(self.message)"
    }
}
