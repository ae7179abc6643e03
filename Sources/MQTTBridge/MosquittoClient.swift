import CMosquitto
import Foundation
import Synchronization

/// One MQTT connection through libmosquitto, with async/await on top of its callbacks.
///
/// libmosquitto runs the connection on a thread of its own (`mosquitto_loop_start`) and calls back on
/// that thread; the callbacks only resume continuations and yield messages, so nothing ever blocks
/// the caller's threads, and a publish returns once the broker's PUBACK arrived (QoS 1). The library
/// reconnects by itself with exponential back-off and resends QoS 1 messages still in flight.
public final class MosquittoClient: @unchecked Sendable {
    // `@unchecked` because of `handle`, a C pointer: it is created in `init` and destroyed in `deinit`,
    // when no other reference to this object exists, and in between it is used only through the
    // calls libmosquitto documents as thread-safe while `mosquitto_loop_start`'s thread runs the
    // connection (publish, subscribe, disconnect, loop_stop). All Swift state lives in `callbacks`,
    // which is `Sendable` through its mutex.

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var clientID: String
        /// False keeps the broker-side session (subscriptions, queued QoS 1 messages) across reconnects.
        public var cleanSession = true
        public var keepAliveSeconds = 30
        public var username: String?
        public var password: String?
        /// The message the broker publishes if this client disappears without disconnecting.
        public var will: (topic: String, payload: [UInt8], retain: Bool)?
        /// Bound on QoS 1 messages awaiting PUBACK: measured here, 20 to 100 keeps throughput high, while
        /// 0 (unlimited) collapses it; message IDs are 16-bit, so it must stay far below 65,535.
        public var maxInflight = 100

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

    private let handle: OpaquePointer
    private let callbacks: MosquittoCallbacks
    private let configuration: Configuration

    /// Messages of the client's subscriptions, in the order the broker sent them.
    public var messages: AsyncStream<MQTTMessage> { self.callbacks.messages }

    public init(_ configuration: Configuration) throws(MosquittoError) {
        precondition(Self.libraryInitialized)
        precondition((1...60_000).contains(configuration.maxInflight), "in-flight messages must be bounded")
        self.configuration = configuration
        self.callbacks = MosquittoCallbacks()
        let context = Unmanaged.passUnretained(self.callbacks).toOpaque()
        guard let handle = mosquitto_new(configuration.clientID, configuration.cleanSession, context) else {
            throw MosquittoError(operation: "creating an MQTT client", code: Int32(MOSQ_ERR_NOMEM.rawValue))
        }
        self.handle = handle
        try MosquittoError.check(
            mosquitto_max_inflight_messages_set(handle, UInt32(configuration.maxInflight)),
            "bounding messages in flight"
        )
        try MosquittoError.check(mosquitto_reconnect_delay_set(handle, 1, 30, true), "setting reconnect back-off")
        if let username = configuration.username {
            try MosquittoError.check(
                mosquitto_username_pw_set(handle, username, configuration.password), "setting credentials")
        }
        if let will = configuration.will {
            let code = will.payload.withUnsafeBytes { payload in
                mosquitto_will_set(handle, will.topic, Int32(payload.count), payload.baseAddress, 1, will.retain)
            }
            try MosquittoError.check(code, "setting the will on \(will.topic)")
        }
        mosquitto_connect_callback_set(handle) { _, context, code in
            MosquittoCallbacks.from(context).connected(code: code)
        }
        mosquitto_disconnect_callback_set(handle) { _, context, code in
            MosquittoCallbacks.from(context).disconnected(code: code)
        }
        mosquitto_publish_callback_set(handle) { _, context, messageID in
            MosquittoCallbacks.from(context).acknowledged(messageID)
        }
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let message else { return }
            MosquittoCallbacks.from(context).received(message.pointee)
        }
    }

    /// Connects in the background; `waitUntilConnected` tells when the broker accepted it.
    public func start() throws(MosquittoError) {
        try MosquittoError.check(
            mosquitto_connect_async(
                self.handle, self.configuration.host, Int32(self.configuration.port),
                Int32(self.configuration.keepAliveSeconds)),
            "connecting to \(self.configuration.host):\(self.configuration.port)"
        )
        try MosquittoError.check(mosquitto_loop_start(self.handle), "starting the network thread")
    }

    /// Waits until the broker has accepted the connection (again, after a reconnect).
    public func waitUntilConnected() async {
        await self.callbacks.waitUntilConnected()
    }

    public var isConnected: Bool { self.callbacks.isConnected }

    /// Publishes and returns once the message is safe at the broker: its PUBACK for QoS 1, its handing to
    /// the network thread for QoS 0.
    ///
    /// Refused with a "not connected" error while the connection is down: libmosquitto would answer
    /// MOSQ_ERR_NO_CONN too, yet still queue a QoS 1 message and send it after the reconnect (seen
    /// with 2.0.11), so a caller that keeps and retries it would send it twice, and nothing bounds that
    /// queue. The caller's own bounded outbox holds messages while the broker is away.
    public func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) async throws {
        guard self.callbacks.isConnected else {
            throw MosquittoError(operation: "publishing to \(topic)", code: Int32(MOSQ_ERR_NO_CONN.rawValue))
        }
        var messageID: Int32 = 0
        let code = payload.withUnsafeBytes { bytes in
            mosquitto_publish(self.handle, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        try MosquittoError.check(code, "publishing to \(topic)")
        if qos > 0 {
            await self.callbacks.waitForAcknowledgement(of: messageID)
        }
    }

    /// Subscribes; messages arrive on `messages`.
    public func subscribe(_ topic: String, qos: Int = 1) throws(MosquittoError) {
        try MosquittoError.check(mosquitto_subscribe(self.handle, nil, topic, Int32(qos)), "subscribing to \(topic)")
    }

    /// Disconnects cleanly (the will is not published) and stops the network thread.
    public func disconnect() async {
        mosquitto_disconnect(self.handle)
        // Joining the network thread blocks (through a reconnect back-off, if the broker is away), so it
        // happens on a thread of its own rather than on one of Swift's shared ones.
        await withCheckedContinuation { continuation in
            let handle = UncheckedHandle(self.handle)
            Thread.detachNewThread {
                mosquitto_loop_stop(handle.pointer, false)
                continuation.resume()
            }
        }
        self.callbacks.finish()
    }

    deinit {
        mosquitto_loop_stop(self.handle, true)
        mosquitto_destroy(self.handle)
        self.callbacks.finish()
    }
}

/// The client's handle, handed to the thread that joins the network thread. Safe: `disconnect` waits
/// for that thread to finish before it returns, so the handle outlives its use there.
private struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
