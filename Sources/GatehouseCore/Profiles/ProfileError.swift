/// A profile that cannot be loaded. Gatehouse refuses to start with one, so the message says which file and, when
/// it can, which line and column, and what is wrong there.
public struct ProfileError: Error, Hashable, CustomStringConvertible {
    /// The profile file, or the profile directory when that is the problem.
    public var file: String
    public var line: Int?
    public var column: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, column: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// `file:line:column: problem`, the form editors and terminals turn into a link to the spot.
    public var description: String {
        let location = [line, column].compactMap { $0 }.map { ":\($0)" }.joined()
        return "\(file)\(location): \(problem)"
    }
}
