/// A violation of DFP/1 found while decoding, carrying the ERROR code the spec assigns to it.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    /// What exactly was wrong, for logs and for the ERROR frame's message.
    public var detail: String

    public init(_ code: ErrorCode, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String {
        "\(self.code) (\(self.code.rawValue)): \(self.detail)"
    }
}
