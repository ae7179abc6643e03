import NIOPosix
import Synchronization

/// Writes the command queue's changes durably, in groups: while one transaction waits for the disk to
/// sync, the writes that arrive meanwhile gather, and the next transaction commits them all with one
/// sync. Every caller still resumes only once its write is on disk, so nothing is acknowledged early;
/// the disk's sync latency is paid once per group instead of once per write.
final class CommandJournal: Sendable {
    private struct Pending {
        var write: CommandWrite
        var continuation: CheckedContinuation<Result<Bool, RegistryError>, Never>
    }

    private struct State {
        var pending: [Pending] = []
        /// Whether a thread-pool job is committing groups; at most one, so groups commit in order.
        var committing = false
    }

    private let registry: DeviceRegistry
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    init(registry: DeviceRegistry, threadPool: NIOThreadPool = .singleton) {
        self.registry = registry
        self.threadPool = threadPool
    }

    /// Applies `write` and returns, once it is on disk, whether it took effect.
    func apply(_ write: CommandWrite) async throws(RegistryError) -> Bool {
        let result = await withCheckedContinuation { continuation in
            let startCommitting = self.state.withLock { state -> Bool in
                state.pending.append(Pending(write: write, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if startCommitting {
                // Off the event loops and the cooperative pool, since SQLite blocks on the disk. The job
                // commits even if handed `.cancelled` (a pool shutting down) so no caller waits forever;
                // the shared singleton pool never shuts down.
                self.threadPool.submit { _ in self.commitUntilIdle() }
            }
        }
        return try result.get()
    }

    /// Commits groups of pending writes until none is left.
    private func commitUntilIdle() {
        while true {
            let group = self.state.withLock { state -> [Pending] in
                let group = state.pending
                state.pending = []
                if group.isEmpty { state.committing = false }
                return group
            }
            guard !group.isEmpty else { return }
            let results = self.registry.apply(group.map(\.write))
            for (pending, result) in zip(group, results) {
                pending.continuation.resume(returning: result)
            }
        }
    }
}
