import CMosquitto
import Synchronization

/// The Swift side of libmosquitto's callbacks: runs on the client's network thread, and only updates
/// state under a short lock, resumes waiters and calls the owner's handlers.
final class MosquittoCallbacks: Sendable {
    /// Called when a publish is acknowledged (true) or abandoned at disconnect (false).
    typealias Completion = @Sendable (Bool) -> Void

    private struct State {
        var connected = false
        var connectionWaiters: [CheckedContinuation<Void, Never>] = []
        /// Publishes waiting for their PUBACK (QoS 1) or their sending (QoS 0), by message ID.
        var awaitingAcknowledgement: [Int32: Completion] = [:]
        /// Acknowledgements that arrived before their publish had registered its completion.
        var acknowledgedEarly: Set<Int32> = []
    }

    private let state = Mutex(State())
    /// Subscribed again at every CONNACK: a clean session forgets them.
    private let subscriptions: Mutex<[MQTTSubscription]>
    private let onConnect: (@Sendable () -> Void)?
    private let onDisconnect: (@Sendable () -> Void)?
    private let onMessage: @Sendable (MQTTMessage) -> Void
    let messages: AsyncStream<MQTTMessage>
    private let messageContinuation: AsyncStream<MQTTMessage>.Continuation

    init(
        subscriptions: [MQTTSubscription],
        onConnect: (@Sendable () -> Void)?,
        onDisconnect: (@Sendable () -> Void)?,
        onMessage: (@Sendable (MQTTMessage) -> Void)?
    ) {
        self.subscriptions = Mutex(subscriptions)
        self.onDisconnect = onDisconnect
        let (messages, continuation) = AsyncStream.makeStream(of: MQTTMessage.self)
        self.messages = messages
        self.messageContinuation = continuation
        self.onConnect = onConnect
        self.onMessage = onMessage ?? { continuation.yield($0) }
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> MosquittoCallbacks {
        Unmanaged<MosquittoCallbacks>.fromOpaque(context!).takeUnretainedValue()
    }

    var isConnected: Bool { self.state.withLock { $0.connected } }

    /// The broker's CONNACK: subscribes (a clean session lost its subscriptions), then lets the owner
    /// republish what it must, and only then resumes those waiting to publish.
    func connected(code: Int32, handle: OpaquePointer?) {
        guard code == 0 else { return }
        self.subscriptions.withLock { subscriptions in
            // In order: the caller lists first what must not be crowded out by a flood of retained messages.
            for subscription in subscriptions {
                mosquitto_subscribe(handle, nil, subscription.topic, Int32(subscription.qos))
            }
        }
        self.state.withLock { $0.connected = true }
        self.onConnect?()
        let waiters = self.state.withLock { state in
            defer { state.connectionWaiters = [] }
            return state.connectionWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Subscriptions change under the same lock as the resubscription at CONNACK, so the two never cross.
    func subscribe(_ subscription: MQTTSubscription, handle: OpaquePointer) -> Int32 {
        self.subscriptions.withLock { subscriptions in
            subscriptions.removeAll { $0.topic == subscription.topic }
            subscriptions.append(subscription)
            return mosquitto_subscribe(handle, nil, subscription.topic, Int32(subscription.qos))
        }
    }

    func unsubscribe(_ topic: String, handle: OpaquePointer) -> Int32 {
        self.subscriptions.withLock { subscriptions in
            subscriptions.removeAll { $0.topic == topic }
            return mosquitto_unsubscribe(handle, nil, topic)
        }
    }

    func disconnected() {
        let wasConnected = self.state.withLock { state in
            defer { state.connected = false }
            return state.connected
        }
        if wasConnected { self.onDisconnect?() }
    }

    func waitUntilConnected() async {
        await withCheckedContinuation { continuation in
            let connected = self.state.withLock { state in
                if !state.connected { state.connectionWaiters.append(continuation) }
                return state.connected
            }
            if connected { continuation.resume() }
        }
    }

    func acknowledged(_ messageID: Int32) {
        let completion = self.state.withLock { state in
            guard let completion = state.awaitingAcknowledgement.removeValue(forKey: messageID) else {
                state.acknowledgedEarly.insert(messageID)
                return nil as Completion?
            }
            return completion
        }
        completion?(true)
    }

    func register(_ messageID: Int32, completion: @escaping Completion) {
        let alreadyAcknowledged = self.state.withLock { state in
            if state.acknowledgedEarly.remove(messageID) != nil { return true }
            state.awaitingAcknowledgement[messageID] = completion
            return false
        }
        if alreadyAcknowledged { completion(true) }
    }

    /// At disconnect: publishes that will never be acknowledged on this client learn so.
    func abandonPending() {
        let abandoned = self.state.withLock { state in
            defer {
                state.awaitingAcknowledgement = [:]
                state.acknowledgedEarly = []
            }
            return Array(state.awaitingAcknowledgement.values)
        }
        for completion in abandoned { completion(false) }
    }

    func received(_ message: mosquitto_message) {
        let topic = String(cString: message.topic)
        let payload = [UInt8](UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen)))
        self.onMessage(MQTTMessage(topic: topic, payload: payload, qos: Int(message.qos), retain: message.retain))
    }

    /// At disconnect: ends the message stream and releases anyone still waiting for a connection.
    func finish() {
        self.messageContinuation.finish()
        let waiters = self.state.withLock { state in
            defer { state.connectionWaiters = [] }
            return state.connectionWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
