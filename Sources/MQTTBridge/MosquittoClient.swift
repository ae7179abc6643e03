import CMosquitto
public import Foundation
public import Logging

/// One MQTT connection through libmosquitto, with async/await and completion handlers on top of its
/// callbacks.
///
/// The connection runs on a thread of its own, which calls `mosquitto_loop` and reconnects with
/// exponential back-off and jitter; libmosquitto's callbacks run there and only update state and
/// call the owner's handlers, so nothing blocks the caller's threads (a publish from an event loop
/// takes libmosquitto's short internal locks and wakes the network thread). A QoS 1 publish
/// completes on the broker's PUBACK.
public final class MosquittoClient: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var clientID: String
        /// False keeps the broker-side session (subscriptions, queued QoS 1 messages) across reconnects.
        public var cleanSession = true
        public var keepAliveSeconds = 30
        public var username: String?
        public var password: String?
        /// TLS to the broker, verified against this CA file (PEM), or the system's CAs when nil.
        public var usesTLS = false
        public var caFile: String?
        /// The message the broker publishes if this client disappears without disconnecting.
        public var will: (topic: String, payload: [UInt8], retain: Bool)?
        /// Bound on QoS 1 messages awaiting PUBACK: measured here, 20 to 100 keeps throughput high, while
        /// 0 (unlimited) collapses it; message IDs are 16-bit, so it must stay far below 65,535.
        public var maxInflight = 100
        /// Topics subscribed (QoS 1) at every connect, so they survive reconnects of a clean session.
        public var subscriptions: [MQTTSubscription] = []

        public init(host: String, port: Int, clientID: String) {
            self.host = host
            self.port = port
            self.clientID = clientID
        }
    }

    private static let libraryInitialized: Bool = {
        // Not thread-safe in libmosquitto itself; a static let runs it exactly once.
        mosquitto_lib_init()
        return true
    }()

    private let connection: MosquittoConnection

    /// Messages of the client's subscriptions, in the order the broker sent them, unless the client was
    /// made with an `onMessage` handler.
    public var messages: AsyncStream<MQTTMessage> { self.connection.callbacks.messages }

    /// - Parameters:
    ///   - onConnect: called on the network thread after each CONNACK and the subscriptions, before
    ///     waiting publishers resume: the place to republish state. Must not block.
    ///   - onDisconnect: called on the network thread when an established connection is lost or closed.
    ///   - onMessage: called on the network thread for each message; must not block. Without it,
    ///     messages go to `messages`.
    public init(
        _ configuration: Configuration,
        logger: Logger = Logger(label: "mqtt"),
        onConnect: (@Sendable () -> Void)? = nil,
        onDisconnect: (@Sendable () -> Void)? = nil,
        onMessage: (@Sendable (MQTTMessage) -> Void)? = nil
    ) throws(MosquittoError) {
        precondition(Self.libraryInitialized)
        precondition((1...60_000).contains(configuration.maxInflight), "in-flight messages must be bounded")
        let callbacks = MosquittoCallbacks(
            subscriptions: configuration.subscriptions, onConnect: onConnect, onDisconnect: onDisconnect,
            onMessage: onMessage)
        self.connection = try MosquittoConnection(configuration, callbacks: callbacks, logger: logger)
    }

    /// Starts the network thread, which connects and keeps reconnecting until `disconnect`;
    /// `waitUntilConnected` tells when the broker accepted the connection.
    public func start() {
        let connection = self.connection
        let thread = Thread { connection.run() }
        thread.name = "mqtt \(connection.configuration.clientID)"
        connection.started.store(true, ordering: .releasing)
        thread.start()
    }

    /// Waits until the broker has accepted the connection (again, after a reconnect).
    public func waitUntilConnected() async {
        await self.connection.callbacks.waitUntilConnected()
    }

    public var isConnected: Bool { self.connection.callbacks.isConnected }

    /// Publishes that may await acknowledgement at once.
    public var maxInflight: Int { self.connection.configuration.maxInflight }

    /// Hands a message to libmosquitto; `completion` runs on the network thread with true once the
    /// message is safe at the broker (its PUBACK for QoS 1, its sending for QoS 0), or with false if
    /// the client disconnects first.
    ///
    /// Refused with a "not connected" error while the connection is down: libmosquitto would answer
    /// MOSQ_ERR_NO_CONN too, yet still queue a QoS 1 message and send it after the reconnect (seen
    /// with 2.0.11), so a caller that keeps and retries it would send it twice, and nothing bounds that
    /// queue. The caller's own bounded outbox holds messages while the broker is away. Messages already
    /// handed over when the connection drops are resent by libmosquitto after the reconnect, before
    /// anything newer.
    public func publish(
        topic: String,
        payload: some ContiguousBytes,
        qos: Int = 1,
        retain: Bool = false,
        completion: @escaping @Sendable (Bool) -> Void
    ) throws(MosquittoError) {
        let callbacks = self.connection.callbacks
        guard callbacks.isConnected else {
            throw MosquittoError(operation: "publishing to \(topic)", code: Int32(MOSQ_ERR_NO_CONN.rawValue))
        }
        var messageID: Int32 = 0
        let code = payload.withUnsafeBytes { bytes in
            mosquitto_publish(
                self.connection.handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        try MosquittoError.check(code, "publishing to \(topic)")
        callbacks.register(messageID, completion: completion)
        self.connection.wakeLoop()
    }

    /// Publishes and returns once the message is safe at the broker (see the completion variant).
    public func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) async throws {
        let acknowledged = try await withCheckedThrowingContinuation { continuation in
            do {
                try self.publish(topic: topic, payload: payload, qos: qos, retain: retain) {
                    continuation.resume(returning: $0)
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        guard acknowledged else {
            throw MosquittoError(operation: "publishing to \(topic)", code: Int32(MOSQ_ERR_NO_CONN.rawValue))
        }
    }

    /// Subscribes, now and after every reconnect; messages arrive on `onMessage` or `messages`. While the
    /// connection is down the subscription takes effect at the next connect.
    public func subscribe(_ topic: String, qos: Int = 1) throws(MosquittoError) {
        let code = self.connection.callbacks.subscribe(
            MQTTSubscription(topic, qos: qos), handle: self.connection.handle)
        self.connection.wakeLoop()
        guard code == Int32(MOSQ_ERR_NO_CONN.rawValue) else {
            return try MosquittoError.check(code, "subscribing to \(topic)")
        }
    }

    /// Ends a subscription made with `subscribe` or the configuration.
    public func unsubscribe(_ topic: String) throws(MosquittoError) {
        let code = self.connection.callbacks.unsubscribe(topic, handle: self.connection.handle)
        self.connection.wakeLoop()
        guard code == Int32(MOSQ_ERR_NO_CONN.rawValue) else {
            return try MosquittoError.check(code, "unsubscribing from \(topic)")
        }
    }

    /// Disconnects cleanly (the will is not published), waits for the network thread to end, and tells
    /// publishes still awaiting an acknowledgement that none will come.
    public func disconnect() async {
        guard self.connection.started.load(ordering: .acquiring) else {
            self.connection.callbacks.finish()
            return
        }
        self.connection.stop(sendingDisconnect: true)
        await self.connection.waitUntilStopped()
        self.connection.callbacks.finish()
    }

    deinit {
        // Without `disconnect`, the connection ends as if the process died: no DISCONNECT, so the broker
        // publishes the will. The network thread notices within one loop turn and releases the handle.
        self.connection.stop(sendingDisconnect: false)
    }
}
