import CMosquitto
import Foundation
import Logging
import Synchronization

/// The libmosquitto handle and the loop its network thread runs.
///
/// The loop polls the socket itself rather than calling `mosquitto_loop`, which uses `select` and so
/// cannot watch a descriptor past 1,023: a gateway holding thousands of device connections opens its
/// broker sockets (and every reconnect's) well past that, and the bridge then never came up. Work
/// other threads queue (publish, subscribe, disconnect) wakes the poll through a pipe of its own.
///
/// `@unchecked Sendable` because of `handle`, a C pointer: it is created in `init` and destroyed in
/// `deinit`, which runs only after the network thread (which holds a reference) has returned, and in
/// between it is used only through calls libmosquitto makes thread-safe once `mosquitto_threaded_set`
/// says another thread runs the loop (publish, subscribe, disconnect). All Swift state is in atomics
/// and in `callbacks`, which is `Sendable` through its mutex.
final class MosquittoConnection: @unchecked Sendable {
    let handle: OpaquePointer
    let callbacks: MosquittoCallbacks
    let configuration: MosquittoClient.Configuration
    let started = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// Set when the network thread has returned; `exitWaiter` is resumed then.
    private let exit = Mutex<(exited: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let logger: Logger
    /// The pipe other threads write a byte to so that the network thread's poll returns.
    private let wakeReader: Int32
    private let wakeWriter: Int32
    /// The network thread, which needs no waking for what its own callbacks queue.
    private let networkThread = Atomic<UInt>(0)
    /// Whether a wake-up is already on its way: at most one pipe write a loop turn, however many
    /// publishes other threads make meanwhile.
    private let wakePending = Atomic<Bool>(false)

    init(
        _ configuration: MosquittoClient.Configuration,
        callbacks: MosquittoCallbacks,
        logger: Logger
    ) throws(MosquittoError) {
        self.configuration = configuration
        self.callbacks = callbacks
        self.logger = logger
        let context = Unmanaged.passUnretained(callbacks).toOpaque()
        guard let handle = mosquitto_new(configuration.clientID, configuration.cleanSession, context) else {
            throw MosquittoError(operation: "creating an MQTT client", code: Int32(MOSQ_ERR_NOMEM.rawValue))
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            mosquitto_destroy(handle)
            throw MosquittoError(operation: "creating the wake-up pipe", code: Int32(MOSQ_ERR_ERRNO.rawValue))
        }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        self.wakeReader = pipeEnds[0]
        self.wakeWriter = pipeEnds[1]
        self.handle = handle
        do throws(MosquittoError) {
            try self.configure()
        } catch {
            mosquitto_destroy(handle)
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw error
        }
    }

    /// Makes the network thread look at libmosquitto's queue now; called after queuing work from
    /// another thread. A full pipe already holds a wake-up, so a failed write loses nothing.
    func wakeLoop() {
        guard pthread_self() != self.networkThread.load(ordering: .relaxed),
            !self.wakePending.exchange(true, ordering: .acquiringAndReleasing)
        else { return }
        var byte: UInt8 = 1
        _ = write(self.wakeWriter, &byte, 1)
    }

    /// One turn of the loop: waits at most `timeoutMs` for the socket or a wake-up, then reads what
    /// arrived, writes what is queued and runs libmosquitto's keep-alive and retry timers, as
    /// `mosquitto_loop` does.
    private func serviceOnce(timeoutMs: Int32) -> Int32 {
        let socket = mosquitto_socket(self.handle)
        guard socket >= 0 else { return Int32(MOSQ_ERR_NO_CONN.rawValue) }
        let wantsWrite = mosquitto_want_write(self.handle)
        var descriptors = [
            pollfd(fd: socket, events: Int16(POLLIN) | (wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
            pollfd(fd: self.wakeReader, events: Int16(POLLIN), revents: 0),
        ]
        if poll(&descriptors, 2, timeoutMs) < 0, errno != EINTR {
            return Int32(MOSQ_ERR_ERRNO.rawValue)
        }
        if descriptors[1].revents != 0 {
            var drained = [UInt8](repeating: 0, count: 64)
            while read(self.wakeReader, &drained, drained.count) > 0 {}
            // Before looking at the queue below, so that work queued from now on wakes the next poll.
            self.wakePending.store(false, ordering: .releasing)
        }
        if descriptors[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
            let code = mosquitto_loop_read(self.handle, 1)
            guard code == Int32(MOSQ_ERR_SUCCESS.rawValue) else { return code }
        }
        // Including what the read's callbacks and other threads queued since the poll began.
        if mosquitto_want_write(self.handle) {
            let code = mosquitto_loop_write(self.handle, 1)
            guard code == Int32(MOSQ_ERR_SUCCESS.rawValue) else { return code }
        }
        return mosquitto_loop_misc(self.handle)
    }

    private func configure() throws(MosquittoError) {
        let handle = self.handle
        let configuration = self.configuration
        try MosquittoError.check(mosquitto_threaded_set(handle, true), "declaring the network thread")
        // Without it, Nagle's algorithm holds small packets (a status, a PUBACK's follow-up) for the peer's
        // delayed ACK: measured, a cross-node takeover took 84 ms instead of a few.
        try MosquittoError.check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "setting TCP_NODELAY")
        try MosquittoError.check(
            mosquitto_max_inflight_messages_set(handle, UInt32(configuration.maxInflight)),
            "bounding messages in flight"
        )
        if let username = configuration.username {
            try MosquittoError.check(
                mosquitto_username_pw_set(handle, username, configuration.password), "setting credentials")
        }
        if configuration.usesTLS {
            let caPath = configuration.caFile == nil ? "/etc/ssl/certs" : nil
            try MosquittoError.check(
                mosquitto_tls_set(handle, configuration.caFile, caPath, nil, nil, nil), "setting up TLS")
        }
        if let will = configuration.will {
            let code = will.payload.withUnsafeBytes { payload in
                mosquitto_will_set(handle, will.topic, Int32(payload.count), payload.baseAddress, 1, will.retain)
            }
            try MosquittoError.check(code, "setting the will on \(will.topic)")
        }
        mosquitto_connect_callback_set(handle) { handle, context, code in
            MosquittoCallbacks.from(context).connected(code: code, handle: handle)
        }
        mosquitto_disconnect_callback_set(handle) { _, context, _ in
            MosquittoCallbacks.from(context).disconnected()
        }
        mosquitto_publish_callback_set(handle) { _, context, messageID in
            MosquittoCallbacks.from(context).acknowledged(messageID)
        }
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let message else { return }
            MosquittoCallbacks.from(context).received(message.pointee)
        }
    }

    func stop(sendingDisconnect: Bool) {
        self.stopping.store(true, ordering: .releasing)
        if sendingDisconnect {
            mosquitto_disconnect(self.handle)
        }
        self.wakeLoop()
    }

    /// Returns once the network thread has returned.
    func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let exited = self.exit.withLock { state in
                if !state.exited { state.waiter = continuation }
                return state.exited
            }
            if exited { continuation.resume() }
        }
    }

    private var isStopping: Bool { self.stopping.load(ordering: .acquiring) }

    /// Logs why the link is down and sleeps the back-off's next delay.
    private func waitToRetry(
        _ message: Logger.Message, _ error: MosquittoError, broker: String, backoff: inout ReconnectBackoff
    ) {
        let delay = backoff.nextDelay()
        self.logger.warning(message, metadata: ["broker": "\(broker)", "error": "\(error)", "retry_in": "\(delay)"])
        self.sleep(delay)
    }

    /// The network thread's body: connect, run the loop, and after any failure wait and reconnect,
    /// until `stop`.
    func run() {
        self.networkThread.store(pthread_self(), ordering: .relaxed)
        var backoff = ReconnectBackoff()
        var linked = false
        var everLinked = false
        let address = "\(self.configuration.host):\(self.configuration.port)"
        while !self.isStopping {
            if !linked {
                let code =
                    everLinked
                    ? mosquitto_reconnect(self.handle)
                    : mosquitto_connect(
                        self.handle, self.configuration.host, Int32(self.configuration.port),
                        Int32(self.configuration.keepAliveSeconds))
                if code == Int32(MOSQ_ERR_SUCCESS.rawValue) {
                    linked = true
                    everLinked = true
                } else {
                    self.waitToRetry(
                        "cannot reach the MQTT broker; retrying", MosquittoError(operation: "connect", code: code),
                        broker: address, backoff: &backoff)
                    continue
                }
            }
            let code = self.serviceOnce(timeoutMs: 500)
            if code == Int32(MOSQ_ERR_SUCCESS.rawValue) {
                if backoff.failures > 0, self.callbacks.isConnected {
                    backoff.reset()
                }
                continue
            }
            linked = false
            self.callbacks.disconnected()
            guard !self.isStopping else { break }
            self.waitToRetry(
                "lost the MQTT broker; reconnecting", MosquittoError(operation: "loop", code: code), broker: address,
                backoff: &backoff)
        }
        if linked {
            // Writes the DISCONNECT `stop` queued, if any, and closes the socket.
            _ = self.serviceOnce(timeoutMs: 100)
        }
        self.callbacks.disconnected()
        self.callbacks.abandonPending()
        let waiter = self.exit.withLock { state in
            state.exited = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Sleeps in short slices, so that `stop` is not held up by a long back-off.
    private func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !self.isStopping {
            let seconds = (deadline - ContinuousClock.now).inSeconds
            guard seconds > 0 else { return }
            Thread.sleep(forTimeInterval: min(0.05, seconds))
        }
    }

    deinit {
        mosquitto_destroy(self.handle)
        close(self.wakeReader)
        close(self.wakeWriter)
    }
}
