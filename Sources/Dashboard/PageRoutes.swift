import Foundation
import Hummingbird
import NIOCore

/// Serves the dashboard page's static files, read once from the package's resources: no CDN and no
/// build step, and the binary carries everything the page needs.
struct PageRoutes: Sendable {
    struct File: Sendable {
        var contents: ByteBuffer
        var contentType: String
    }

    /// URL path → file; `/` is the page itself.
    let files: [String: File]

    init() throws {
        guard let directory = Bundle.module.url(forResource: "Page", withExtension: nil) else {
            throw PageMissing()
        }
        let types = [
            "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
            "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
        ]
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let url = directory.appendingPathComponent(name)
            guard let type = types[url.pathExtension] else { continue }
            files["/" + name] = File(contents: ByteBuffer(bytes: try Data(contentsOf: url)), contentType: type)
        }
        files["/"] = files["/index.html"]
        self.files = files
    }

    struct PageMissing: Error, CustomStringConvertible {
        var description: String { "the dashboard page's resources are missing from the bundle" }
    }

    /// The paths that need no token: the static shell holds no data.
    var openPaths: Set<String> { Set(self.files.keys) }

    func addRoutes(to router: Router<some RequestContext>) {
        for (path, file) in self.files {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
                    body: .init(byteBuffer: file.contents)
                )
            }
        }
    }
}
