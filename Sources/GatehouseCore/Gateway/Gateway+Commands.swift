/// Why a command from the REST API, the live feed or MQTT was not accepted.
public enum CommandRefusal: Error, CustomStringConvertible {
    /// Neither connected nor registered, and unknown devices are not allowed.
    case unknownDevice(String)
    /// The body does not make a command for the device's profile.
    case invalid(String)
    case rejected(CommandQueue.Rejection)

    public var description: String {
        switch self {
        case .unknownDevice(let id): "no device \(id)"
        case .invalid(let reason): reason
        case .rejected(let rejection): rejection.description
        }
    }
}

extension Gateway {
    /// A command as every front door takes it (`{"name":…,"args":{…},"timeout_ms":…,"ttl_ms":…}`):
    /// read with the device's profile, then given to the queue, which sends it now or keeps it.
    public func submitCommand(_ body: JSONValue, to deviceID: String, requestID: String? = nil)
        async throws(CommandRefusal) -> CommandRecord
    {
        let (known, profile) = await self.commandProfile(of: deviceID)
        guard known else { throw .unknownDevice(deviceID) }
        let request: CommandRequest
        do throws(CommandRequest.Invalid) {
            request = try CommandRequest(body, profile: profile)
        } catch {
            throw .invalid(error.description)
        }
        do throws(CommandQueue.Rejection) {
            return try await self.commandQueue.submit(request, to: deviceID, requestID: requestID)
        } catch {
            throw .rejected(error)
        }
    }

    /// A command for a device whose session is on another node goes there through the broker, to be
    /// read and recorded by that node. Returns its `command_result` message (status `timeout` when none
    /// came in time, `invalid` with an `error` when that node refused the request), or nil when no other
    /// node holds the device, so the command is this node's to submit.
    public func forwardCommand(_ body: JSONValue, to deviceID: String, requestID: String?) async -> JSONValue? {
        guard self.sessions.session(for: deviceID) == nil, let forwarder = self.remoteCommands,
            let node = self.remoteNode(of: deviceID)
        else { return nil }
        // The wait only: the holding node checks the request's `timeout_ms` itself.
        let requested = body["timeout_ms"]?.doubleValue.map { Duration.milliseconds(Int64($0)) }
        let timeout = min(
            max(requested ?? CommandRequest.defaultTimeout, .milliseconds(1)), CommandRequest.maximumTimeout)
        let result = await forwarder.forward(deviceID: deviceID, command: body, timeout: timeout)
        var members: [(String, JSONValue)] = [
            ("type", .string("command_result")), ("node", result?["node"] ?? .string(node)),
            ("device", .string(deviceID)), ("request_id", JSONValue(requestID)),
            ("command_id", result?["command_id"] ?? .null), ("status", result?["status"] ?? .string("timeout")),
            ("result", result?["result"] ?? .object([])),
        ]
        if let error = result?["error"] { members.append(("error", error)) }
        return .object(members)
    }
}

/// The command records of the whole deployment, as the REST API shows them: this node's, and through
/// the broker those of the other nodes that are up (each record lives on the node that accepted it).
extension Gateway {
    /// The other nodes that are up, which answer queries about the commands they own.
    private var queryableNodes: (forwarder: any RemoteCommandForwarder, nodes: [String])? {
        guard let forwarder = self.remoteCommands else { return nil }
        let nodes = self.cluster.onlineNodes.filter { $0 != self.settings.nodeID }
        return nodes.isEmpty ? nil : (forwarder, nodes)
    }

    /// A device's commands on every node, oldest first, at most the newest `limit`.
    public func deploymentCommands(of deviceID: String, status: CommandState?, limit: Int) async throws(CommandQueue
        .Rejection) -> [JSONValue]
    {
        let local = try await self.commandQueue.commands(of: deviceID, status: status, limit: limit).map(\.json)
        guard let (forwarder, nodes) = self.queryableNodes else { return local }
        let answers = await forwarder.query(.commands(deviceID: deviceID, status: status, limit: limit), nodes: nodes)
        let all = local + answers.flatMap(\.records)
        let ordered = all.sorted { ($0["created_at_ms"]?.doubleValue ?? 0) < ($1["created_at_ms"]?.doubleValue ?? 0) }
        return Array(ordered.suffix(limit))
    }

    /// A command's record, from whichever node owns it; nil when none does.
    public func deploymentCommand(id: String) async throws(CommandQueue.Rejection) -> JSONValue? {
        if let record = try await self.commandQueue.command(id: id) { return record.json }
        guard let (forwarder, nodes) = self.queryableNodes else { return nil }
        return await forwarder.query(.command(id: id), nodes: nodes).lazy.flatMap(\.records).first
    }

    /// Cancels a queued command on whichever node owns it and returns its record.
    public func deploymentCancel(id: String) async throws(CommandQueue.Rejection) -> JSONValue {
        do throws(CommandQueue.Rejection) {
            return try await self.commandQueue.cancel(id: id).json
        } catch {
            guard case .notFound = error, let (forwarder, nodes) = self.queryableNodes else { throw error }
            for answer in await forwarder.query(.cancel(id: id), nodes: nodes) {
                if let record = answer.records.first { return record }
                if let status = answer.notCancelled { throw .notQueued(status) }
            }
            throw error
        }
    }
}
