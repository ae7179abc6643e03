/// The bridge's topic layout under one prefix, and the reading of topics it subscribed to.
struct MQTTTopics: Sendable {
    let prefix: String

    func telemetry(_ deviceID: String) -> String { "\(self.prefix)/devices/\(deviceID)/telemetry" }
    func events(_ deviceID: String) -> String { "\(self.prefix)/devices/\(deviceID)/events" }
    func status(_ deviceID: String) -> String { "\(self.prefix)/devices/\(deviceID)/status" }
    func commands(_ deviceID: String) -> String { "\(self.prefix)/devices/\(deviceID)/commands" }
    func commandResult(_ deviceID: String) -> String { "\(self.prefix)/devices/\(deviceID)/commands/result" }
    func nodeStatus(_ node: String) -> String { "\(self.prefix)/nodes/\(node)/status" }
    /// Queued commands another node hands to `node` for a device whose session `node` holds.
    func deliveries(_ node: String) -> String { "\(self.prefix)/nodes/\(node)/deliveries" }
    /// The answers to the deliveries `node` handed out.
    func deliveryResults(_ node: String) -> String { "\(self.prefix)/nodes/\(node)/deliveries/result" }
    /// Questions to `node` about the command records it owns.
    func queries(_ node: String) -> String { "\(self.prefix)/nodes/\(node)/queries" }
    /// The answers to the questions `node` asked.
    func queryResults(_ node: String) -> String { "\(self.prefix)/nodes/\(node)/queries/result" }

    /// What node `node` subscribes to. Nodes, commands, results and its own deliveries first, at QoS 1;
    /// the devices' retained statuses last and at QoS 0, since they are current state, renewed at every
    /// reconnect, and at QoS 1 a deployment's worth of them would overflow the broker's queue for this
    /// client.
    func subscriptions(of node: String) -> [MQTTSubscription] {
        [
            MQTTSubscription("\(self.prefix)/nodes/+/status"), MQTTSubscription("\(self.prefix)/devices/+/commands"),
            MQTTSubscription("\(self.prefix)/devices/+/commands/result"), MQTTSubscription(self.deliveries(node)),
            MQTTSubscription(self.deliveryResults(node)), MQTTSubscription(self.queries(node)),
            MQTTSubscription(self.queryResults(node)), MQTTSubscription("\(self.prefix)/devices/+/status", qos: 0),
        ]
    }

    /// Every node's telemetry and events, subscribed (at QoS 0: a live view) while this node's dashboards
    /// are watching.
    var liveFeedSubscriptions: [String] {
        ["\(self.prefix)/devices/+/telemetry", "\(self.prefix)/devices/+/events"]
    }

    /// A topic of the subscriptions, read.
    enum Subject: Equatable {
        case status(deviceID: String)
        case telemetry(deviceID: String)
        case events(deviceID: String)
        case commands(deviceID: String)
        case commandResult(deviceID: String)
        case node(String)
        case deliveries(node: String)
        case deliveryResults(node: String)
        case queries(node: String)
        case queryResults(node: String)
    }

    func subject(of topic: String) -> Subject? {
        guard topic.hasPrefix(self.prefix), topic.utf8.dropFirst(self.prefix.utf8.count).first == UInt8(ascii: "/")
        else { return nil }
        let levels = topic.utf8.dropFirst(self.prefix.utf8.count + 1).split(
            separator: UInt8(ascii: "/"), omittingEmptySubsequences: false
        ).map { String(decoding: $0, as: UTF8.self) }
        if levels.count == 4, levels[3] == "result" {
            switch (levels[0], levels[2]) {
            case ("devices", "commands"): return .commandResult(deviceID: levels[1])
            case ("nodes", "deliveries"): return .deliveryResults(node: levels[1])
            case ("nodes", "queries"): return .queryResults(node: levels[1])
            default: return nil
            }
        }
        guard levels.count == 3 else { return nil }
        switch (levels[0], levels[2]) {
        case ("devices", "status"): return .status(deviceID: levels[1])
        case ("devices", "telemetry"): return .telemetry(deviceID: levels[1])
        case ("devices", "events"): return .events(deviceID: levels[1])
        case ("devices", "commands"): return .commands(deviceID: levels[1])
        case ("nodes", "status"): return .node(levels[1])
        case ("nodes", "deliveries"): return .deliveries(node: levels[1])
        case ("nodes", "queries"): return .queries(node: levels[1])
        default: return nil
        }
    }
}
