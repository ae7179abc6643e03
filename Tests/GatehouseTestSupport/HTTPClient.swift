import Foundation
public import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Real HTTP requests to a gateway's dashboard port.
public struct HTTPClient: Sendable {
    public let port: Int
    /// The token sent as `Authorization: Bearer`; nil sends none.
    public var token: String?

    public init(_ gateway: TestGateway, token: String? = nil, authorized: Bool = true) {
        self.init(port: gateway.httpPort, token: authorized ? (token ?? gateway.apiToken) : nil)
    }

    /// For a gateway running as a process of its own.
    public init(port: Int, token: String?) {
        self.port = port
        self.token = token
    }

    public struct Reply: Sendable {
        public var status: Int
        public var text: String
        public var headers: HTTPFields
        /// The body as JSON (an object or an array), or nil when it is not JSON.
        public var json: Any? {
            try? JSONSerialization.jsonObject(with: Data(self.text.utf8), options: [.fragmentsAllowed])
        }
        public var object: [String: Any] { self.json as? [String: Any] ?? [:] }
        public var array: [[String: Any]] { self.json as? [[String: Any]] ?? [] }
    }

    public func request(_ method: HTTPRequest.Method, _ path: String, body: String? = nil) async throws -> Reply {
        let client = TestClient(host: "127.0.0.1", port: self.port)
        client.connect()
        defer { Task { try? await client.shutdown() } }
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            TestClient.Request(path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        )
        return Reply(
            status: response.status.code,
            text: response.body.map { String(buffer: $0) } ?? "",
            headers: response.headers
        )
    }

    public func get(_ path: String) async throws -> Reply { try await self.request(.get, path) }
    public func post(_ path: String, _ body: String = "{}") async throws -> Reply {
        try await self.request(.post, path, body: body)
    }
    public func delete(_ path: String) async throws -> Reply { try await self.request(.delete, path) }
}
