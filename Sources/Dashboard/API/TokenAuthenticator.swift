import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Lets a request through only with the API token: `Authorization: Bearer …`, or `?token=` on the
/// live feed. The health check and the page's static shell (which holds no data) are open.
struct TokenAuthenticator<Context: RequestContext>: RouterMiddleware {
    let token: String
    let openPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if self.openPaths.contains(request.uri.path) || Self.isAuthorized(request, token: self.token) {
            return try await next(request, context)
        }
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: "Bearer", .contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: .init(string: #"{"error":"unauthorized"}"#))
        )
    }

    static func isAuthorized(_ request: Request, token: String) -> Bool {
        Self.isAuthorized(head: request.head, token: token)
    }

    static func isAuthorized(head: HTTPRequest, token: String) -> Bool {
        if let authorization = head.headerFields[.authorization], authorization.hasPrefix("Bearer ") {
            return APIToken.matches(authorization.dropFirst("Bearer ".count), token)
        }
        let uri = URI(head.path ?? "")
        if uri.path == "/ws", let queryToken = uri.queryParameters.get("token") {
            return APIToken.matches(Substring(queryToken), token)
        }
        return false
    }
}
