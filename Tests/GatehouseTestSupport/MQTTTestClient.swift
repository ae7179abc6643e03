public import Foundation
public import GatehouseCore
import Logging
public import MQTTBridge
import Synchronization

/// An MQTT client standing in for a back-end system: it records everything on its subscriptions, for
/// tests to wait on, and publishes commands.
public final class MQTTTestClient: Sendable {
    public let client: MosquittoClient
    private let box: ReceivedBox
    private let collector: Task<Void, Never>

    /// Connects to `broker` and subscribes to `subscriptions` (QoS 1, again at every reconnect).
    ///
    /// - Parameter persistentSession: keep the broker-side session (its subscriptions and the QoS 1
    ///   messages queued for it) while the client is away, under a fixed client ID.
    public init(
        _ broker: TestBroker,
        id: String = "backend-\(UUID().uuidString.prefix(8))",
        subscriptions: [String],
        persistentSession: Bool = false
    ) async throws {
        var configuration = MosquittoClient.Configuration(host: "127.0.0.1", port: broker.port, clientID: id)
        configuration.subscriptions = subscriptions.map { MQTTSubscription($0) }
        configuration.cleanSession = !persistentSession
        var logger = Logger(label: "test-mqtt-client")
        logger.logLevel = .error
        let client = try MosquittoClient(configuration, logger: logger)
        self.client = client
        let box = ReceivedBox()
        self.collector = Task {
            for await message in client.messages {
                box.append(message)
            }
        }
        self.box = box
        client.start()
        await client.waitUntilConnected()
        // The SUBACKs follow the CONNACK; give them a moment so nothing published next is missed.
        try await Task.sleep(for: .milliseconds(150))
    }

    /// Every message received so far, in order.
    public var messages: [MQTTMessage] { self.box.all }

    public func messages(on topic: String) -> [MQTTMessage] {
        self.box.all.filter { $0.topic == topic }
    }

    /// Waits for a message on `topic` whose JSON payload satisfies `condition`; returns the payload.
    public func waitForJSON(
        on topic: String,
        timeout: Duration = .seconds(10),
        where condition: @escaping (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for message in self.messages(on: topic) {
                if let json = try? JSONValue.parse(String(decoding: message.payload, as: UTF8.self)), condition(json) {
                    return json
                }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no matching message on \(topic) within \(timeout)")
    }

    /// Waits for a message on `topic` with exactly `payload` (node statuses are plain text).
    public func waitForText(_ payload: String, on topic: String, timeout: Duration = .seconds(10)) async throws
        -> MQTTMessage
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let message = self.messages(on: topic).first(where: { $0.payload == Array(payload.utf8) }) {
                return message
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no \"\(payload)\" on \(topic) within \(timeout)")
    }

    public func publish(_ json: String, on topic: String, retain: Bool = false) async throws {
        try await self.client.publish(topic: topic, payload: Array(json.utf8), retain: retain)
    }

    public func disconnect() async {
        await self.client.disconnect()
        await self.collector.value
    }
}

private final class ReceivedBox: Sendable {
    private let messages = Mutex<[MQTTMessage]>([])
    func append(_ message: MQTTMessage) { self.messages.withLock { $0.append(message) } }
    var all: [MQTTMessage] { self.messages.withLock { $0 } }
}
