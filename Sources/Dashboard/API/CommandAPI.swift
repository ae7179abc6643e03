import DFP
import GatehouseCore
import Hummingbird
import NIOCore

/// The REST API of commands: send or queue one, follow it, list a device's, cancel a queued one.
struct CommandAPI: Sendable {
    let devices: DeviceAPI
    var gateway: Gateway { self.devices.gateway }

    /// A TTL longer than this is refused: a command a month old is no longer the caller's intent.
    static let maximumTTL: Duration = .seconds(30 * 24 * 3600)

    func addRoutes(to router: Router<some RequestContext>) {
        router.post("/api/devices/:id/commands") { request, context in
            let id = try context.parameters.require("id")
            return await self.submit(try await DeviceAPI.body(request, context: context), to: id)
        }
        router.get("/api/devices/:id/commands") { request, context in
            let id = try context.parameters.require("id")
            var status: CommandState?
            if let name = request.uri.queryParameters.get("status") {
                guard let known = CommandState(rawValue: name) else {
                    let names = CommandState.allCases.map(\.rawValue).joined(separator: ", ")
                    return Response.jsonError("unknown status \"\(name)\" (one of \(names))", status: .badRequest)
                }
                status = known
            }
            do throws(CommandQueue.Rejection) {
                let records = try await self.gateway.commandQueue.commands(of: id, status: status)
                return Response.json(.array(records.map(\.json)))
            } catch {
                return Response.jsonError(error.description, status: .internalServerError)
            }
        }
        router.get("/api/commands/:command") { _, context in
            let id = try context.parameters.require("command")
            do throws(CommandQueue.Rejection) {
                guard let record = try await self.gateway.commandQueue.command(id: id) else {
                    return Response.jsonError("no command \(id)", status: .notFound)
                }
                return Response.json(record.json)
            } catch {
                return Response.jsonError(error.description, status: .internalServerError)
            }
        }
        router.delete("/api/commands/:command") { _, context in
            let id = try context.parameters.require("command")
            do throws(CommandQueue.Rejection) {
                return Response.json(try await self.gateway.commandQueue.cancel(id: id).json)
            } catch {
                switch error {
                case .notFound: return Response.jsonError(error.description, status: .notFound)
                case .notQueued: return Response.jsonError(error.description, status: .conflict)
                default: return Response.jsonError(error.description, status: .internalServerError)
                }
            }
        }
    }

    /// Sends the command now when the device is connected, queues it with `ttl_ms` otherwise. 200 with
    /// the record once the device answered; 202 while it waits in the queue; 504 on a timeout; 409 when
    /// the device is offline and the command has no TTL, or the device's queue is full.
    private func submit(_ body: JSONValue, to deviceID: String) async -> Response {
        let ttl: Duration
        switch body["ttl_ms"] {
        case nil, .null?:
            ttl = .zero
        case let value?:
            guard let milliseconds = value.doubleValue, milliseconds >= 0,
                Duration.milliseconds(Int64(milliseconds)) <= Self.maximumTTL
            else {
                return Response.jsonError(
                    "\"ttl_ms\" must be a number from 0 up to 2592000000 (30 days)", status: .badRequest)
            }
            ttl = .milliseconds(Int64(milliseconds))
        }
        let session = self.gateway.sessions.session(for: deviceID)
        if session == nil, self.gateway.remoteNode(of: deviceID) != nil {
            return await self.forwardCommand(body, to: deviceID)
        }
        let profile: DeviceProfile?
        if let session {
            profile = session.profile
        } else {
            let record = try? await self.devices.registry { try $0.device(id: deviceID) }
            guard record != nil || self.gateway.settings.allowUnknownDevices else {
                return Response.jsonError("no device \(deviceID)", status: .notFound)
            }
            profile = record?.profile.flatMap { self.gateway.profiles.profile(named: $0) }
        }
        let command: CommandRequest
        do throws(CommandRequest.Invalid) {
            command = try CommandRequest(body, profile: profile)
        } catch {
            return Response.jsonError(error.description, status: .badRequest)
        }
        let record: CommandRecord
        do throws(CommandQueue.Rejection) {
            record = try await self.gateway.commandQueue.submit(
                deviceID: deviceID, name: command.name, arguments: command.arguments, timeout: command.timeout,
                ttl: ttl)
        } catch {
            if case .queueFull = error { return Response.jsonError(error.description, status: .conflict) }
            return Response.jsonError(error.description, status: .internalServerError)
        }
        switch record.status {
        case .queued, .sent: return Response.json(record.json, status: .accepted)
        case .timeout: return Response.json(record.json, status: .gatewayTimeout)
        case .offline:
            guard case .object(let members) = record.json else { return Response.json(record.json, status: .conflict) }
            return Response.json(.object(members + [("error", .string("device offline"))]), status: .conflict)
        default: return Response.json(record.json)
        }
    }

    /// A command for a device on another node goes there through the broker; the answer has the same
    /// shape and status codes as a local one.
    private func forwardCommand(_ body: JSONValue, to deviceID: String) async -> Response {
        guard let forwarder = self.gateway.remoteCommands, self.gateway.remoteNode(of: deviceID) != nil else {
            return Response.jsonError("device offline", status: .conflict)
        }
        let timeout =
            body["timeout_ms"]?.doubleValue.map { Duration.milliseconds(Int64($0)) } ?? CommandRequest.defaultTimeout
        guard timeout > .zero, timeout <= CommandRequest.maximumTimeout else {
            return Response.jsonError("\"timeout_ms\" must be a positive number up to 300000", status: .badRequest)
        }
        guard let result = await forwarder.forward(deviceID: deviceID, command: body, timeout: timeout) else {
            return Response.json(
                .object([("command_id", .null), ("status", .string("timeout")), ("result", .object([]))]),
                status: .gatewayTimeout)
        }
        let answer = JSONValue.object([
            ("command_id", result["command_id"] ?? .null), ("status", result["status"] ?? .null),
            ("result", result["result"] ?? .object([])), ("node", result["node"] ?? .null),
        ])
        switch result["status"]?.stringValue {
        case "timeout": return Response.json(answer, status: .gatewayTimeout)
        case "offline": return Response.jsonError("device offline", status: .conflict)
        case "invalid":
            return Response.jsonError(result["error"]?.stringValue ?? "invalid command", status: .badRequest)
        default: return Response.json(answer)
        }
    }

}
