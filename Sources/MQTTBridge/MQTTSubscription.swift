/// A topic filter a client subscribes to, and the QoS it asks for.
public struct MQTTSubscription: Hashable, Sendable {
    public var topic: String
    /// 1 where every message counts; 0 for current-state topics, whose retained messages the broker
    /// then sends without its QoS 1 queue limit (mosquitto drops QoS 1 messages past
    /// `max_queued_messages`, 1,000 by default, so a node subscribing to 100,000 retained statuses
    /// would silently miss most of them, and whatever was subscribed with them).
    public var qos: Int

    public init(_ topic: String, qos: Int = 1) {
        self.topic = topic
        self.qos = qos
    }
}
