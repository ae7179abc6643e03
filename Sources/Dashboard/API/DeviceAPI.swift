import DFP
import GatehouseCore
import Hummingbird
import NIOCore
import NIOPosix

/// The REST API over the registry, the live sessions and commands.
struct DeviceAPI: Sendable {
    let gateway: Gateway
    let threadPool: NIOThreadPool

    /// Runs a registry call off the event loops: SQLite blocks.
    func registry<Result: Sendable>(_ body: @escaping @Sendable (DeviceRegistry) throws -> Result) async throws
        -> Result
    {
        let registry = self.gateway.registry
        return try await self.threadPool.runIfActive { try body(registry) }
    }

    /// Every registered or seen device, as the API and the live feed's snapshot show them.
    func allDevices() async throws -> [DeviceView] {
        let records = try await self.registry { try $0.list() }
        return DeviceView.all(registered: records, gateway: self.gateway)
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in "ok" }
        router.get("/api/devices") { request, _ in
            var devices = try await self.allDevices()
            if let online = request.uri.queryParameters.get("online").flatMap(Bool.init) {
                devices = devices.filter { $0.isOnline == online }
            }
            return Response.json(.array(devices.map(\.json)))
        }
        router.get("/api/devices/:id") { _, context in
            let id = try context.parameters.require("id")
            let record = try await self.registry { try $0.device(id: id) }
            let entry = self.gateway.directory.entry(for: id)
            let cluster = self.gateway.cluster.state(of: id).flatMap { $0.status == nil ? nil : $0 }
            guard record != nil || entry != nil || cluster != nil else {
                return Response.jsonError("no device \(id)", status: .notFound)
            }
            let view = DeviceView(id: id, registeredProfile: record?.profile, entry: entry, cluster: cluster)
            return Response.json(view.json)
        }
        router.post("/api/devices") { request, context in
            let body = try await Self.body(request, context: context)
            guard let id = body["id"]?.stringValue else {
                return Response.jsonError("\"id\" is required", status: .badRequest)
            }
            let profile = body["profile"]?.stringValue
            do {
                let token = try await self.registry { try $0.add(id: id, profile: profile) }
                return Response.json(.object([("id", .string(id)), ("token", .string(token))]), status: .created)
            } catch RegistryError.alreadyExists {
                return Response.jsonError("device \(id) already exists", status: .conflict)
            } catch RegistryError.invalidDeviceID {
                return Response.jsonError("invalid device ID \"\(id)\"", status: .badRequest)
            }
        }
        router.delete("/api/devices/:id") { _, context in
            let id = try context.parameters.require("id")
            do {
                try await self.registry { try $0.remove(id: id) }
                return Response(status: .noContent)
            } catch RegistryError.notFound {
                return Response.jsonError("no device \(id)", status: .notFound)
            }
        }
        router.post("/api/devices/:id/token") { _, context in
            let id = try context.parameters.require("id")
            do {
                let token = try await self.registry { try $0.rotateToken(id: id) }
                return Response.json(.object([("id", .string(id)), ("token", .string(token))]))
            } catch RegistryError.notFound {
                return Response.jsonError("no device \(id)", status: .notFound)
            }
        }
        router.get("/api/nodes") { _, _ in
            // This node, and the others the broker told it of (none without the MQTT bridge).
            var nodes = self.gateway.cluster.nodeStatuses
            nodes[self.gateway.settings.nodeID] = true
            return Response.json(
                .array(
                    nodes.sorted { $0.key < $1.key }.map { node, online in
                        .object([
                            ("node", .string(node)), ("online", .bool(online)),
                            ("self", .bool(node == self.gateway.settings.nodeID)),
                        ])
                    }))
        }
        router.get("/api/profiles") { _, _ in
            let profiles = self.gateway.profiles
            return Response.json(
                .object(
                    profiles.names.compactMap { name in profiles.profile(named: name).map { (name, JSONValue($0)) } }))
        }
    }

    /// The request body as JSON; a body that is not JSON is a 400.
    static func body(_ request: Request, context: some RequestContext) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try JSONValue.parse(String(buffer: buffer))
        } catch {
            throw HTTPError(.badRequest, message: "the body must be JSON")
        }
    }
}
