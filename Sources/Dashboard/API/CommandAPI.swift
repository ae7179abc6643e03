import GatehouseCore
import Hummingbird

/// The REST API of commands: send or queue one, follow it, list a device's, cancel a queued one.
struct CommandAPI: Sendable {
    let devices: DeviceAPI
    var gateway: Gateway { self.devices.gateway }

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
            var limit = 500
            if let text = request.uri.queryParameters.get("limit") {
                guard let number = Int(text), (1...500).contains(number) else {
                    return Response.jsonError("\"limit\" must be a whole number from 1 to 500", status: .badRequest)
                }
                limit = number
            }
            do throws(CommandQueue.Rejection) {
                let records = try await self.gateway.deploymentCommands(of: id, status: status, limit: limit)
                return Response.json(.array(records))
            } catch {
                return Response.jsonError(error.description, status: .internalServerError)
            }
        }
        router.get("/api/commands/:command") { _, context in
            let id = try context.parameters.require("command")
            do throws(CommandQueue.Rejection) {
                guard let record = try await self.gateway.deploymentCommand(id: id) else {
                    return Response.jsonError("no command \(id)", status: .notFound)
                }
                return Response.json(record)
            } catch {
                return Response.jsonError(error.description, status: .internalServerError)
            }
        }
        router.delete("/api/commands/:command") { _, context in
            let id = try context.parameters.require("command")
            do throws(CommandQueue.Rejection) {
                return Response.json(try await self.gateway.deploymentCancel(id: id))
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
        if let result = await self.gateway.forwardCommand(body, to: deviceID, requestID: nil) {
            return Self.response(forwarded: result)
        }
        let record: CommandRecord
        do throws(CommandRefusal) {
            record = try await self.gateway.submitCommand(body, to: deviceID)
        } catch {
            switch error {
            case .unknownDevice: return Response.jsonError(error.description, status: .notFound)
            case .invalid: return Response.jsonError(error.description, status: .badRequest)
            case .rejected(.queueFull): return Response.jsonError(error.description, status: .conflict)
            case .rejected: return Response.jsonError(error.description, status: .internalServerError)
            }
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

    /// Another node's answer, with the same shape and status codes as a local one.
    private static func response(forwarded result: JSONValue) -> Response {
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
