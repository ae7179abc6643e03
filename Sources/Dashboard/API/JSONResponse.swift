import GatehouseCore
import Hummingbird
import NIOCore

extension Response {
    /// A JSON response with the given status.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized()))
        )
    }

    /// `{"error": message}` with the given status.
    static func jsonError(_ message: String, status: HTTPResponse.Status) -> Response {
        .json(.object([("error", .string(message))]), status: status)
    }
}
