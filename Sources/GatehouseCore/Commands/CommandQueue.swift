import Foundation
import NIOCore
import NIOPosix
public import ServiceLifecycle

/// Every command's life, durably: it is stored when accepted, sent in order by whichever path gets
/// there first (now, if the device is connected; right after its next HELLO otherwise), and each
/// transition is written before it is published, so a restart — even a `kill -9` — keeps the queue,
/// its order and its TTLs.
///
/// A command is sent at most once: it becomes `sent` in the database before it goes out, and a
/// command found `sent` at start-up (the gateway stopped before the answer) ends `timeout`, never sent
/// again. Each device's queue is worked by one task at a time, so commands arrive in the order they
/// were accepted.
///
/// With several nodes, the node that accepted a command keeps its record and alone sends it. When the
/// device's next session opens on another node (the broker's status says so), this node marks the
/// command `sent` and hands it to that node, which writes it to the device and answers; the record,
/// its transitions and its messages stay with this node. So no two nodes ever send one command.
public final class CommandQueue: Service {
    /// Why a command was not accepted, or a cancel refused.
    public enum Rejection: Error, Equatable, CustomStringConvertible {
        case queueFull(limit: Int)
        case notFound(String)
        /// Only a queued command can be cancelled.
        case notQueued(CommandState)
        case storage(String)

        public var description: String {
            switch self {
            case .queueFull(let limit): "queue full: the device already has \(limit) queued commands"
            case .notFound(let id): "no command \(id)"
            case .notQueued(let status): "the command is \(status.rawValue), and only a queued command can be cancelled"
            case .storage(let message): "the command store failed: \(message)"
            }
        }
    }

    private let registry: DeviceRegistry
    private let journal: CommandJournal
    private let sessions: SessionTable
    private let service: CommandService
    private let events: EventHub
    private let cluster: ClusterDirectory
    private let remote: (any RemoteCommandForwarder)?
    let nodeID: String
    private let queueLimit: Int
    private let retention: Duration
    private let metrics: GatewayMetrics
    private let clock: WallClock
    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop
    /// Devices that have queued commands, so that a HELLO costs a database query only when something
    /// waits for it; sharded, since every session open reads it.
    private let devicesWithQueue = ShardedDictionary<Bool>()
    /// Devices whose queue a task is working, each with whether more was queued meanwhile; sharded,
    /// like the waiters, since every command passes through both.
    private let draining = ShardedDictionary<Bool>()
    /// Callers waiting for a command to end, by command ID: registered before the command can move, so
    /// an end that comes before the caller waits is kept for it.
    private let waiters = ShardedDictionary<Waiting>()

    private enum Waiting: Sendable {
        case waiting([UUID: CheckedContinuation<CommandRecord?, Never>])
        case ended(CommandRecord)
    }

    init(
        registry: DeviceRegistry, sessions: SessionTable, service: CommandService, events: EventHub,
        cluster: ClusterDirectory, remote: (any RemoteCommandForwarder)?, settings: GatewaySettings,
        metrics: GatewayMetrics, clock: WallClock
    ) {
        self.metrics = metrics
        self.registry = registry
        self.journal = CommandJournal(registry: registry)
        self.sessions = sessions
        self.service = service
        self.events = events
        self.cluster = cluster
        self.remote = remote
        self.nodeID = settings.nodeID
        self.queueLimit = settings.commandQueueLimit
        self.retention = settings.commandRetention
        self.clock = clock
        self.threadPool = .singleton
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        self.recoverAfterRestart()
    }

    /// Commands that were on their way when the gateway last stopped may or may not have been carried
    /// out, so they end `timeout` rather than go out twice; the queued ones wait for their devices.
    /// Runs before any device can connect.
    private func recoverAfterRestart() {
        if let interrupted = try? self.registry.commands(in: .sent) {
            let now = self.clock.nowMilliseconds()
            _ = self.registry.apply(
                interrupted.map { interrupted in
                    var record = interrupted
                    record.advance(to: .timeout, atMs: now)
                    return .update(record, from: .sent)
                })
        }
        let queued = (try? self.registry.commands(in: .queued)) ?? []
        for record in queued {
            self.markQueued(record.deviceID)
        }
        self.metrics.commandsQueued.set(queued.count)
    }

    /// Expires queued commands on time, and prunes ended ones past the retention, until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.expireUntilCancelled()
        }
    }

    /// Accepts a command for `deviceID`. When the device is connected (here, or on another node) it is sent at once and the
    /// record returned when it ends (or when `timeout` and a margin have passed: a long queue ahead of
    /// it); otherwise a command with a TTL stays `queued` and one without ends `offline`.
    public func submit(_ request: CommandRequest, to deviceID: String, requestID: String? = nil)
        async throws(Rejection) -> CommandRecord
    {
        let now = self.clock.nowMilliseconds()
        let timeout = request.timeout
        var record = CommandRecord(
            id: Self.newID(), deviceID: deviceID, name: request.name, arguments: request.arguments,
            args: request.namedArguments, node: self.nodeID, createdAtMs: now,
            ttlMs: max(0, request.ttl.inNanoseconds / 1_000_000), timeoutMs: timeout.inNanoseconds / 1_000_000,
            status: .queued, result: .object([]), history: [.init(status: .queued, atMs: now)], requestID: requestID)
        let route = self.route(to: deviceID)
        if let route, route.remote == nil, self.claimIdleQueue(of: deviceID) {
            return try await self.sendAtOnce(record, by: route)
        }
        let connected = route != nil
        if !connected && record.ttlMs == 0 {
            record.advance(to: .offline, atMs: now)
        }
        // Marked before the write: a HELLO from here on finds the mark and works the queue (a refused
        // insert leaves a stale mark, which costs one empty read).
        if record.status == .queued { self.markQueued(deviceID) }
        let accepted = try await self.write(.insert(record, queueLimit: self.queueLimit))
        guard accepted else { throw .queueFull(limit: self.queueLimit) }
        self.wrote(record, over: nil)
        // A device that connected while the record was written may have read the queue before it held
        // this command: it is sent now, as for a device connected all along.
        guard connected || (record.status == .queued && self.route(to: deviceID) != nil) else { return record }
        let id = record.id
        self.waiters.update(id) { $0 = .waiting([:]) }
        let waiting = Task { await self.finalRecord(of: id) }
        self.startDraining(deviceID)
        let margin = Duration.seconds(5)
        let deadline = Task {
            try? await Task.sleep(for: timeout + margin)
            waiting.cancel()
        }
        defer { deadline.cancel() }
        if let final = await waiting.value { return final }
        self.waiters.update(id) { $0 = nil }
        return (try? await self.command(id: id)) ?? record
    }

    /// Cancels a queued command.
    public func cancel(id: String) async throws(Rejection) -> CommandRecord {
        guard var record = try await self.command(id: id) else { throw .notFound(id) }
        guard record.status == .queued else { throw .notQueued(record.status) }
        record.advance(to: .cancelled, atMs: self.clock.nowMilliseconds())
        guard try await self.transition(record, from: .queued) else {
            let now = try await self.command(id: id)
            throw .notQueued(now?.status ?? .cancelled)
        }
        return record
    }

    public func command(id: String) async throws(Rejection) -> CommandRecord? {
        try await self.store { registry throws(RegistryError) in try registry.command(id: id) }
    }

    /// A device's commands, oldest first, at most the newest `limit`.
    public func commands(of deviceID: String, status: CommandState?, limit: Int = 500) async throws(Rejection)
        -> [CommandRecord]
    {
        try await self.store { registry throws(RegistryError) in
            try registry.commands(of: deviceID, status: status, limit: limit)
        }
    }

    /// The device's session opened or closed here, or opened on another node: its queue, if it has
    /// one, goes out in order (or, with no session anywhere, its commands without a TTL end `offline`).
    public func sessionChanged(of deviceID: String) {
        guard self.devicesWithQueue[deviceID] != nil else { return }
        self.startDraining(deviceID)
    }

    /// Another node came up: the queues of devices the broker shows connected there go to it.
    public func nodeCameOnline(_ node: String) {
        for deviceID in self.devicesWithQueue.all().keys
        where self.cluster.remoteNode(of: deviceID, apartFrom: self.nodeID) == node {
            self.startDraining(deviceID)
        }
    }

    private func markQueued(_ deviceID: String) {
        self.devicesWithQueue.update(deviceID) { $0 = true }
    }

    /// Marks queued commands whose TTL passed `expired`, every `interval` until the task is cancelled.
    /// Delivery checks the TTL itself too, so this only makes the expiry visible on time.
    public func expireUntilCancelled(every interval: Duration = .milliseconds(250)) async {
        var lastPrune = ContinuousClock.now - Self.pruneInterval
        while !Task.isCancelled {
            await self.expireDue()
            if ContinuousClock.now - lastPrune >= Self.pruneInterval {
                lastPrune = ContinuousClock.now
                await self.pruneEnded()
            }
            try? await Task.sleep(for: interval)
        }
    }

    static let pruneInterval: Duration = .seconds(60)

    /// Deletes the records of commands that ended before the retention, in batches of a thousand so
    /// the queue's own writes are never held up for long; queued and sent ones are never pruned.
    public func pruneEnded() async {
        guard self.retention > .zero else { return }
        let cutoff = self.clock.nowMilliseconds() - self.retention.inNanoseconds / 1_000_000
        var batches = 0
        while batches < 1_000, (try? await self.write(.prune(createdBeforeMs: cutoff, limit: 1_000))) == true {
            batches += 1
        }
    }

    func expireDue() async {
        let now = self.clock.nowMilliseconds()
        let expired = { @Sendable (registry: DeviceRegistry) throws(RegistryError) in
            try registry.commandsExpired(byMs: now)
        }
        guard let due = try? await self.store(expired) else { return }
        for var record in due {
            record.advance(to: .expired, atMs: now)
            _ = try? await self.transition(record, from: .queued)
        }
    }

    // MARK: - Delivery

    /// A command for a device connected here with nothing queued or on its way: stored already `sent`
    /// (its `queued` and `sent` steps in one write, so one disk sync fewer than through the queue) and
    /// sent by this task. The caller holds the device's queue, so nothing can overtake it, and whatever
    /// is queued meanwhile goes out after it.
    private func sendAtOnce(_ queued: CommandRecord, by route: Route) async throws(Rejection) -> CommandRecord {
        var record = queued
        record.advance(to: .sent, atMs: self.clock.nowMilliseconds())
        do throws(Rejection) {
            // A record that is not queued counts against no queue limit.
            _ = try await self.write(.insert(record, queueLimit: self.queueLimit))
        } catch {
            self.releaseQueue(of: record.deviceID)
            throw error
        }
        self.publish(queued)
        self.wrote(record, over: nil)
        record = await self.finishSending(record, by: route)
        self.releaseQueue(of: record.deviceID)
        return record
    }

    /// Takes the device's queue for a command sent at once, if nothing is queued for it or on its way.
    private func claimIdleQueue(of deviceID: String) -> Bool {
        guard self.devicesWithQueue[deviceID] == nil else { return false }
        return self.draining.update(deviceID) { working -> Bool in
            guard working == nil else { return false }
            working = false
            return true
        }
    }

    /// Gives the device's queue back, or works it if something was queued while it was held.
    private func releaseQueue(of deviceID: String) {
        if self.needsAnotherPass(deviceID) {
            self.workQueue(of: deviceID)
        }
    }

    private func startDraining(_ deviceID: String) {
        let first = self.draining.update(deviceID) { working -> Bool in
            if working != nil {
                working = true
                return false
            }
            working = false
            return true
        }
        guard first else { return }
        self.workQueue(of: deviceID)
    }

    /// Drains the device's queue, held by the caller, as often as commands arrive meanwhile.
    private func workQueue(of deviceID: String) {
        Task {
            repeat {
                await self.drain(deviceID)
            } while self.needsAnotherPass(deviceID)
        }
    }

    /// Whether commands were queued during the last pass (the queue stays held); else it is released.
    private func needsAnotherPass(_ deviceID: String) -> Bool {
        self.draining.update(deviceID) { working -> Bool in
            if working == true {
                working = false
                return true
            }
            working = nil
            return false
        }
    }

    /// Sends the device's queued commands one after the other while its session lasts.
    private func drain(_ deviceID: String) async {
        // Unmarked before reading, so a command queued meanwhile marks the device again; whatever this
        // pass leaves queued marks it again too.
        self.devicesWithQueue.update(deviceID) { $0 = nil }
        guard let queued = try? await self.commands(of: deviceID, status: .queued) else {
            self.markQueued(deviceID)
            return
        }
        for var record in queued {
            let now = self.clock.nowMilliseconds()
            if let expiry = record.expiresAtMs, expiry <= now {
                record.advance(to: .expired, atMs: now)
                _ = try? await self.transition(record, from: .queued)
                continue
            }
            guard let route = self.route(to: deviceID) else {
                // No TTL means now or never.
                if record.ttlMs == 0 {
                    record.advance(to: .offline, atMs: now)
                    _ = try? await self.transition(record, from: .queued)
                } else {
                    self.markQueued(deviceID)
                }
                continue
            }
            record.advance(to: .sent, atMs: now, through: route.node)
            // Written before it goes out: a crash from here on ends it `timeout`, never sends it twice.
            guard (try? await self.transition(record, from: .queued)) == true else { continue }
            _ = await self.finishSending(record, by: route)
        }
    }

    /// Sends a record already written `sent` and writes how it ended; returns it as written.
    private func finishSending(_ sent: CommandRecord, by route: Route) async -> CommandRecord {
        var record = sent
        let outcome = await self.send(record, by: route)
        if outcome.status == .offline, record.ttlMs > 0 {
            // The session ended before the send: nothing went out, so it waits for the next one.
            record.advance(to: .queued, atMs: self.clock.nowMilliseconds())
            self.markQueued(record.deviceID)
        } else {
            record.advance(to: CommandState(outcome.status), atMs: self.clock.nowMilliseconds())
            record.result = outcome.result
        }
        _ = try? await self.transition(record, from: .sent)
        return record
    }

    /// Where a device's commands go: its session here, or the node that holds it.
    private struct Route {
        var remote: (forwarder: any RemoteCommandForwarder, node: String)?
        var node: String? { self.remote?.node }
    }

    private func route(to deviceID: String) -> Route? {
        if self.sessions.session(for: deviceID) != nil { return Route() }
        guard let remote = self.remote, let node = self.cluster.remoteNode(of: deviceID, apartFrom: self.nodeID)
        else { return nil }
        return Route(remote: (remote, node))
    }

    private func send(_ record: CommandRecord, by route: Route) async -> SentCommandOutcome {
        if let (forwarder, node) = route.remote {
            return await forwarder.deliver(record, through: node)
                ?? SentCommandOutcome(status: .timeout, result: .object([]))
        }
        let outcome = await self.service.execute(
            deviceID: record.deviceID, name: record.name, arguments: record.arguments,
            timeout: .milliseconds(record.timeoutMs))
        return SentCommandOutcome(status: outcome.status, result: JSONValue(outcome.result))
    }

    // MARK: - Transitions

    /// Writes the record if it is still `expected`, then publishes it and wakes whoever waits for it.
    private func transition(_ record: CommandRecord, from expected: CommandState) async throws(Rejection) -> Bool {
        guard try await self.write(.update(record, from: expected)) else { return false }
        self.wrote(record, over: expected)
        if record.status.isFinal {
            let waiting = self.waiters.update(record.id) { waiting -> [CheckedContinuation<CommandRecord?, Never>] in
                guard case .waiting(let continuations)? = waiting else { return [] }
                waiting = continuations.isEmpty ? .ended(record) : nil
                return Array(continuations.values)
            }
            for continuation in waiting {
                continuation.resume(returning: record)
            }
        }
        return true
    }

    /// A record was written over one in `previous` (nil: a new record): the queue's metrics follow, and
    /// the live feed and MQTT hear of it.
    private func wrote(_ record: CommandRecord, over previous: CommandState?) {
        if previous == .queued { self.metrics.commandsQueued.decrement() }
        if record.status == .queued { self.metrics.commandsQueued.increment() }
        if record.status.isFinal { self.metrics.recordCommandEnded(record.status) }
        self.publish(record)
    }

    private func publish(_ record: CommandRecord) {
        _ = self.events.publish(.command(record), durable: false, on: self.eventLoop)
    }

    /// The record once it ends; nil if the task is cancelled first. The caller registered the wait.
    private func finalRecord(of id: String) async -> CommandRecord? {
        let key = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended = self.waiters.update(id) { waiting -> CommandRecord?? in
                    switch waiting {
                    case .ended(let record)?:
                        waiting = nil
                        return .some(record)
                    case .waiting(var continuations)?:
                        guard !Task.isCancelled else { return .some(nil) }
                        continuations[key] = continuation
                        waiting = .waiting(continuations)
                        return nil
                    case nil:
                        return .some(nil)
                    }
                }
                if let ended { continuation.resume(returning: ended) }
            }
        } onCancel: {
            let waiting = self.waiters.update(id) { waiting -> CheckedContinuation<CommandRecord?, Never>? in
                guard case .waiting(var continuations)? = waiting else { return nil }
                let continuation = continuations.removeValue(forKey: key)
                waiting = .waiting(continuations)
                return continuation
            }
            waiting?.resume(returning: nil)
        }
    }

    private func write(_ write: CommandWrite) async throws(Rejection) -> Bool {
        do {
            return try await self.journal.apply(write)
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Runs a store operation off the event loops and the cooperative pool: SQLite blocks on the disk.
    private func store<Value: Sendable>(
        _ operation: @escaping @Sendable (DeviceRegistry) throws(RegistryError) -> Value
    ) async throws(Rejection) -> Value {
        let registry = self.registry
        do {
            return try await self.threadPool.runIfActive { try operation(registry) }
        } catch {
            throw .storage("\(error)")
        }
    }

    private static func newID() -> String {
        "cmd-" + (0..<8).map { _ in UInt8.random(in: 0...255) }.hexString
    }
}
