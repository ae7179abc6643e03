import GatehouseCore
import HummingbirdWebSocket
import Logging

/// One dashboard WebSocket: a snapshot first, then the live events the client subscribed to, while
/// reading its subscribe, unsubscribe and command messages.
struct LiveFeedSession: Sendable {
    let feed: LiveFeed
    let api: DeviceAPI
    /// Telemetry a client may have queued before it is dropped (and counted) for that client.
    static let queueCapacity = 4096
    /// Commands one client may have waiting for results at a time.
    static let maximumPendingCommands = 64

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let client = LiveFeedClient(capacity: Self.queueCapacity, reserve: Self.queueCapacity)
        self.feed.add(client)
        self.api.gateway.peerFeedDemand.viewerJoined()
        defer {
            self.feed.remove(client)
            self.api.gateway.peerFeedDemand.viewerLeft()
        }
        let snapshot = try await self.api.allDevices()
        client.prepend(
            JSONValue.object([("type", .string("snapshot")), ("devices", .array(snapshot.map(\.json)))]).serialized())

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let batch = await client.nextBatch() {
                    for message in batch {
                        try await outbound.write(.text(message))
                    }
                }
                if client.isCutOff {
                    self.feed.metrics.disconnectedSlowClients.increment()
                    logger.warning("dashboard client too far behind: disconnected")
                    try await outbound.close(.policyViolation, reason: "too far behind")
                }
            }
            group.addTask {
                try await self.read(inbound, client: client)
                client.finish()
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func read(_ inbound: WebSocketInboundStream, client: LiveFeedClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { commands in
            var pending = 0
            for try await message in inbound.messages(maxSize: 64 * 1024) {
                guard case .text(let text) = message else {
                    client.enqueue(EventMessage.error("send JSON text messages").serialized(), droppable: false)
                    continue
                }
                do {
                    if let command = try self.handle(text, client: client) {
                        if pending >= Self.maximumPendingCommands {
                            try await commands.next()
                            pending -= 1
                        }
                        pending += 1
                        commands.addTask { await command() }
                    }
                } catch {
                    client.enqueue(EventMessage.error("\(error)").serialized(), droppable: false)
                }
            }
        }
    }

    struct BadMessage: Error, CustomStringConvertible {
        var description: String
    }

    /// Applies a subscription change at once; returns the work of a command, which waits for its result.
    private func handle(_ text: String, client: LiveFeedClient) throws(BadMessage) -> (@Sendable () async -> Void)? {
        guard let message = try? JSONValue.parse(text), case .string(let type)? = message["type"] else {
            throw BadMessage(description: "expected a JSON object with a \"type\"")
        }
        switch type {
        case "subscribe":
            switch message["devices"] {
            case .string("*")?: client.subscription = .all(except: [])
            case .array(let ids)?: client.subscription = .only(Set(try Self.deviceIDs(ids)))
            default: throw BadMessage(description: "\"devices\" must be \"*\" or an array of device IDs")
            }
            return nil
        case "unsubscribe":
            guard case .array(let ids)? = message["devices"] else {
                throw BadMessage(description: "\"devices\" must be an array of device IDs")
            }
            let removed = Set(try Self.deviceIDs(ids))
            switch client.subscription {
            case .all(let excluded): client.subscription = .all(except: excluded.union(removed))
            case .only(let included): client.subscription = .only(included.subtracting(removed))
            }
            return nil
        case "command":
            return try self.command(message, client: client)
        default:
            throw BadMessage(description: "unknown message type \"\(type)\"")
        }
    }

    private func command(_ message: JSONValue, client: LiveFeedClient) throws(BadMessage) -> @Sendable () async -> Void
    {
        let requestID = message["request_id"]?.stringValue
        guard let deviceID = message["device"]?.stringValue else {
            throw BadMessage(description: "\"device\" is required")
        }
        let gateway = self.api.gateway
        // A client watching the device hears every step of the command's life (with its request ID) from
        // the feed; one that is not gets the end, or how far it got when the wait ended. A command for a
        // device on another node is answered once, with that node's result.
        return {
            if let answer = await gateway.forwardCommand(message, to: deviceID, requestID: requestID) {
                client.enqueue(answer.serialized(), droppable: false)
                return
            }
            do throws(CommandRefusal) {
                let record = try await gateway.submitCommand(message, to: deviceID, requestID: requestID)
                if !client.wants(deviceID) {
                    client.enqueue(EventMessage.command(record).serialized(), droppable: false)
                }
            } catch {
                let refusal = EventMessage.commandRefused(
                    device: deviceID, node: gateway.settings.nodeID, requestID: requestID, reason: error.description)
                client.enqueue(refusal.serialized(), droppable: false)
            }
        }
    }

    private static func deviceIDs(_ values: [JSONValue]) throws(BadMessage) -> [String] {
        var ids: [String] = []
        for value in values {
            guard let id = value.stringValue else { throw BadMessage(description: "device IDs must be strings") }
            ids.append(id)
        }
        return ids
    }
}
