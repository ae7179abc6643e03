import CMosquitto

/// A libmosquitto call failed; `code` is its `MOSQ_ERR_*` value.
public struct MosquittoError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32

    public var description: String {
        "\(self.operation): \(String(cString: mosquitto_strerror(self.code)))"
    }

    /// The client has no connection right now; the caller keeps the message and publishes it after the
    /// reconnect.
    public var isNotConnected: Bool { self.code == Int32(MOSQ_ERR_NO_CONN.rawValue) }

    /// Throws unless `code` is `MOSQ_ERR_SUCCESS`.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MosquittoError) {
        guard code == Int32(MOSQ_ERR_SUCCESS.rawValue) else {
            throw MosquittoError(operation: operation(), code: code)
        }
    }
}
