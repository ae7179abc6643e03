import GatehouseCore
import Logging
import NIOCore

/// What the bridge does with the messages of its subscriptions; runs on the control connection's
/// network thread, so it never blocks: commands run as tasks.
///
/// - Statuses keep the cluster directory current, hand a session over when another node has the
///   device's newer one, and restore this node's status when a stale one overwrote it.
/// - Other nodes' telemetry, events and statuses go to this node's dashboards.
/// - Commands run where the device's session is; the node that answers for an offline device is
///   the one named in its last status (or, if that node is gone, the first online node by name).
/// - A device that connects to another node gets this node's queued commands through it: the queue
///   learns of the session here, and the other node's deliveries topic carries each command.
final class MQTTInbound: Sendable {
    private let gateway: Gateway
    private let sink: MQTTBridgeSink
    private let eventLoops: any EventLoopGroup
    private let logger: Logger
    /// How this node's own telemetry and event messages begin, to skip them cheaply when the broker
    /// echoes them back.
    private let ownTelemetryPrefix: [UInt8]
    private let ownEventPrefix: [UInt8]
    private let recentDeliveries = RecentDeliveries()

    init(gateway: Gateway, sink: MQTTBridgeSink, eventLoops: any EventLoopGroup, logger: Logger) {
        self.gateway = gateway
        self.sink = sink
        self.eventLoops = eventLoops
        self.logger = logger
        let node = JSONValue.string(sink.nodeID).serialized()
        self.ownTelemetryPrefix = Array("{\"type\":\"telemetry\",\"node\":\(node),".utf8)
        self.ownEventPrefix = Array("{\"type\":\"event\",\"node\":\(node),".utf8)
    }

    private var nodeID: String { self.sink.nodeID }

    /// After each CONNACK: this node's `online`, and the status of every live session again, since the
    /// broker may have missed changes while it was away, or lost its retained messages.
    func brokerConnected() {
        self.sink.metrics.connections.increment()
        self.sink.publishNodeStatus(online: true)
        for session in self.gateway.sessions.allSessions() {
            self.sink.control.offerStatus(
                self.sink.statusMessage(self.liveStatus(of: session)), onlyIfNonePending: true)
        }
    }

    /// Whether a status waiting to be published speaks for a session another node has since replaced,
    /// as the broker's latest status for the device shows; such a status is never published.
    func isSuperseded(_ claim: StatusClaim) -> Bool {
        guard let latest = self.gateway.cluster.status(of: claim.deviceID), latest.node != claim.node, latest.online
        else { return false }
        return StatusClaim.isNewer(latest.timestampMs, node: latest.node, than: claim.sessionStartMs, node: claim.node)
    }

    func handle(_ message: MQTTMessage) {
        self.sink.metrics.received.increment()
        guard let subject = self.sink.topics.subject(of: message.topic) else { return }
        switch subject {
        case .status(let deviceID):
            self.status(message.payload, deviceID: deviceID)
        case .telemetry(let deviceID):
            guard !message.payload.starts(with: self.ownTelemetryPrefix) else { return }
            self.peerMessage(message.payload, kind: .telemetry, deviceID: deviceID)
        case .events(let deviceID):
            guard !message.payload.starts(with: self.ownEventPrefix) else { return }
            self.peerMessage(message.payload, kind: .event, deviceID: deviceID)
        case .commands(let deviceID):
            // A retained command would run again at every subscribe.
            guard !message.retain else { return }
            self.command(message.payload, deviceID: deviceID)
        case .commandResult(let deviceID):
            self.commandResult(message.payload, deviceID: deviceID)
        case .node(let node):
            let online = message.payload == Array("online".utf8)
            self.gateway.cluster.setNode(node, online: online)
            guard node != self.nodeID else { return }
            if online {
                self.gateway.commandQueue.nodeCameOnline(node)
            } else {
                self.markDevicesOffline(of: node)
            }
        case .deliveries(let node):
            guard node == self.nodeID, !message.retain else { return }
            self.delivery(message.payload)
        case .queries(let node):
            guard node == self.nodeID, !message.retain else { return }
            self.query(message.payload)
        case .queryResults(let node):
            guard node == self.nodeID, let (answer, queryID) = CommandQueryMessage.answer(from: message.payload) else {
                return
            }
            self.sink.pendingQueries.add(answer, to: queryID)
        case .deliveryResults(let node):
            guard node == self.nodeID,
                let result = try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)),
                let commandID = result["command_id"]?.stringValue
            else { return }
            self.sink.resolveForwardedCommand(commandID, result: result)
        }
    }

    /// Another node went offline (its will, or its own clean `offline`): the devices its last statuses
    /// show online are not, until they reconnect somewhere. This node's dashboards and command routing
    /// learn so at once; the retained topics keep what that node last published, and consumers read
    /// them together with the node's status.
    private func markDevicesOffline(of node: String) {
        let now = self.gateway.clock.nowMilliseconds()
        for (deviceID, state) in self.gateway.cluster.allDevices() {
            guard let status = state.status, status.online, status.node == node else { continue }
            let message = JSONValue.object([
                ("type", .string("status")), ("node", .string(node)), ("device", .string(deviceID)),
                ("online", .bool(false)), ("reason", .string("node_down")),
                ("session_id", JSONValue(status.sessionID)), ("ts", .int(now)),
                ("profile", status.message["profile"] ?? .null),
            ])
            guard let offline = PeerStatus(message) else { continue }
            self.gateway.cluster.record(offline)
            self.forward(PeerMessage(kind: .status, deviceID: deviceID, node: node, text: message.serialized()))
        }
    }

    private func status(_ payload: [UInt8], deviceID: String) {
        let text = String(decoding: payload, as: UTF8.self)
        guard let json = try? JSONValue.parse(text), let status = PeerStatus(json), status.deviceID == deviceID else {
            // An empty retained message clears the topic; anything else unreadable is someone else's.
            return
        }
        self.gateway.cluster.record(status)
        guard status.node != self.nodeID else { return }
        if let session = self.gateway.sessions.session(for: deviceID) {
            let newer = StatusClaim.isNewer(
                status.timestampMs, node: status.node, than: session.connectedAtMs, node: self.nodeID)
            if status.online, newer {
                self.gateway.handOver(session, toNode: status.node)
            } else {
                // A stale status overwrote the device's retained one while its session is here.
                self.sink.control.offerStatus(self.sink.statusMessage(self.liveStatus(of: session)))
            }
        }
        if status.online {
            self.gateway.commandQueue.sessionChanged(of: deviceID)
        }
        self.forward(PeerMessage(kind: .status, deviceID: deviceID, node: status.node, text: text))
    }

    /// Another node's command result: it answers a command this node forwarded (by its end: `queued` and
    /// `sent` are steps on the way), and every step of another node's command reaches this node's
    /// dashboards, so each shows the whole deployment's commands as they happen.
    private func commandResult(_ payload: [UInt8], deviceID: String) {
        let text = String(decoding: payload, as: UTF8.self)
        guard let result = try? JSONValue.parse(text) else { return }
        if let requestID = result["request_id"]?.stringValue,
            result["status"]?.stringValue.flatMap(CommandState.init(rawValue:))?.isFinal ?? true
        {
            self.sink.resolveForwardedCommand(requestID, result: result)
        }
        if let node = result["node"]?.stringValue, node != self.nodeID, result["command_id"]?.stringValue != nil {
            self.forward(PeerMessage(kind: .command, deviceID: deviceID, node: node, text: text))
        }
    }

    private func peerMessage(_ payload: [UInt8], kind: PeerMessage.Kind, deviceID: String) {
        let text = String(decoding: payload, as: UTF8.self)
        guard let json = try? JSONValue.parse(text), let node = json["node"]?.stringValue, node != self.nodeID else {
            return
        }
        if kind == .telemetry {
            self.gateway.cluster.recordTelemetry(deviceID: deviceID, message: json)
        }
        self.forward(PeerMessage(kind: kind, deviceID: deviceID, node: node, text: text))
    }

    private func forward(_ message: PeerMessage) {
        _ = self.gateway.events.publish(.peer(message), durable: false, on: self.eventLoops.any())
    }

    /// The online status of a live session here, as first published.
    func liveStatus(of session: DeviceSession) -> StatusChange {
        let last = self.gateway.directory.entry(for: session.deviceID)?.status
        let reason = last?.session.sessionID == session.sessionID ? last?.reason ?? .hello : .hello
        return StatusChange(
            session: session, node: self.nodeID, online: true, reason: reason, timestampMs: session.connectedAtMs)
    }

    // MARK: Commands

    /// A command from the broker goes through this node's queue when this node holds the device, or
    /// when it is the one node that answers for a device no node holds (it then keeps the command
    /// queued, or answers `offline` when the command has no TTL). The queue publishes every step on the
    /// result topic, with the command's `request_id`.
    private func command(_ payload: [UInt8], deviceID: String) {
        self.sink.metrics.commandsReceived.increment()
        let body = try? JSONValue.parse(String(decoding: payload, as: UTF8.self))
        let requestID = body?["request_id"]?.stringValue
        guard self.gateway.sessions.session(for: deviceID) != nil || self.answersForOfflineDevice(deviceID) else {
            return
        }
        guard let body else {
            self.reject("expected a JSON object", requestID: requestID, deviceID: deviceID)
            return
        }
        let gateway = self.gateway
        Task {
            do throws(CommandRefusal) {
                _ = try await gateway.submitCommand(body, to: deviceID, requestID: requestID)
            } catch {
                self.reject(error.description, requestID: requestID, deviceID: deviceID)
            }
        }
    }

    /// Exactly one node answers for a device no node holds: the node named in its last status, or, when
    /// that node is gone or the device was never seen, the first online node by name.
    private func answersForOfflineDevice(_ deviceID: String) -> Bool {
        let cluster = self.gateway.cluster
        if let status = cluster.status(of: deviceID) {
            if status.node == self.nodeID { return true }
            if cluster.isNodeOnline(status.node) { return false }
        }
        return (cluster.onlineNodes.first ?? self.nodeID) == self.nodeID
    }

    /// A queued command of another node for a device whose session is here: sent unless its deadline
    /// passed (its owner then counts it `timeout` already) or this copy is a duplicate, and answered on
    /// the owner's results topic; `offline` means the session is gone and nothing was sent.
    private func delivery(_ payload: [UInt8]) {
        guard let delivery = CommandDelivery(payload: payload) else {
            self.gateway.peerLogger.log(level: .warning, "unreadable command delivery from the broker")
            return
        }
        let remaining = delivery.deliverByMs - self.gateway.clock.nowMilliseconds()
        guard remaining > 0, self.recentDeliveries.insert(delivery.commandID) else { return }
        self.sink.metrics.commandsReceived.increment()
        let gateway = self.gateway
        let sink = self.sink
        Task {
            let outcome = await gateway.commands.execute(
                deviceID: delivery.deviceID, name: delivery.name, arguments: delivery.arguments,
                timeout: .milliseconds(remaining))
            let answer = JSONValue.object([
                ("type", .string("delivery_result")), ("node", .string(sink.nodeID)),
                ("command_id", .string(delivery.commandID)), ("device", .string(delivery.deviceID)),
                ("status", .string(outcome.status.rawValue)), ("result", JSONValue(outcome.result)),
            ])
            sink.publishControl(answer.serializedBytes(), topic: sink.topics.deliveryResults(delivery.owner))
        }
    }

    /// Another node's question about the command records this node owns, answered on its results topic.
    private func query(_ payload: [UInt8]) {
        guard let (query, queryID, asker) = CommandQueryMessage.question(from: payload) else {
            self.gateway.peerLogger.log(level: .warning, "unreadable command query from the broker")
            return
        }
        let gateway = self.gateway
        let sink = self.sink
        Task {
            guard let answer = await gateway.commandQueue.answer(query) else { return }
            sink.publishControl(
                CommandQueryMessage.answer(answer, queryID: queryID), topic: sink.topics.queryResults(asker))
        }
    }

    private func reject(_ reason: String, requestID: String?, deviceID: String) {
        self.sink.publishResult(
            EventMessage.commandRefused(device: deviceID, node: self.nodeID, requestID: requestID, reason: reason),
            deviceID: deviceID)
    }
}
