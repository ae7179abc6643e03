import CMosquitto
import Synchronization

/// The Swift side of libmosquitto's callbacks: runs on its network thread, and only resumes waiters
/// and yields messages under a short lock.
final class MosquittoCallbacks: Sendable {
    private struct State {
        var connected = false
        var connectionWaiters: [CheckedContinuation<Void, Never>] = []
        /// Publishes waiting for their PUBACK, by message ID.
        var awaitingAcknowledgement: [Int32: CheckedContinuation<Void, Never>] = [:]
        /// PUBACKs that arrived before their publish call had registered its waiter.
        var acknowledgedEarly: Set<Int32> = []
    }

    private let state = Mutex(State())
    let messages: AsyncStream<MQTTMessage>
    private let messageContinuation: AsyncStream<MQTTMessage>.Continuation

    init() {
        (self.messages, self.messageContinuation) = AsyncStream.makeStream()
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> MosquittoCallbacks {
        Unmanaged<MosquittoCallbacks>.fromOpaque(context!).takeUnretainedValue()
    }

    var isConnected: Bool { self.state.withLock { $0.connected } }

    func connected(code: Int32) {
        guard code == 0 else { return }
        let waiters = self.state.withLock { state in
            state.connected = true
            defer { state.connectionWaiters = [] }
            return state.connectionWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func disconnected(code: Int32) {
        self.state.withLock { $0.connected = false }
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
        let waiter = self.state.withLock { state in
            guard let waiter = state.awaitingAcknowledgement.removeValue(forKey: messageID) else {
                state.acknowledgedEarly.insert(messageID)
                return nil as CheckedContinuation<Void, Never>?
            }
            return waiter
        }
        waiter?.resume()
    }

    func waitForAcknowledgement(of messageID: Int32) async {
        await withCheckedContinuation { continuation in
            let alreadyAcknowledged = self.state.withLock { state in
                if state.acknowledgedEarly.remove(messageID) != nil { return true }
                state.awaitingAcknowledgement[messageID] = continuation
                return false
            }
            if alreadyAcknowledged { continuation.resume() }
        }
    }

    func received(_ message: mosquitto_message) {
        let topic = String(cString: message.topic)
        let payload = [UInt8](UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen)))
        self.messageContinuation.yield(
            MQTTMessage(topic: topic, payload: payload, qos: Int(message.qos), retain: message.retain))
    }

    func finish() {
        self.messageContinuation.finish()
    }
}
