import DFP
import DequeModule
import NIOCore
import Synchronization

/// Frames received on a connection, waiting for a reader that takes them one at a time with a timeout.
///
/// Not an `AsyncStream`: cancelling a wait on one (which a timeout needs) ends the stream, while a
/// test that sees no frame in time must still be able to read the next one.
final class FrameInbox: Sendable {
    private struct State {
        var frames: Deque<Result<Frame, any Error>> = []
        var finished = false
        var waiter: CheckedContinuation<Result<Frame, any Error>?, any Error>?
        var waiterTimeout: Scheduled<Void>?
        /// Which wait the timeout belongs to: a timeout that fires just as a frame ends its wait must
        /// not end the reader's next wait early.
        var wait: UInt64 = 0
    }

    private let state = Mutex(State())

    func deliver(_ frame: Result<Frame, any Error>) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Result<Frame, any Error>?, any Error>? in
            guard let waiter = state.waiter else {
                state.frames.append(frame)
                return nil
            }
            state.waiter = nil
            state.waiterTimeout?.cancel()
            state.waiterTimeout = nil
            return waiter
        }
        waiter?.resume(returning: frame)
    }

    func finish() {
        let waiter = self.state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            state.waiterTimeout?.cancel()
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next frame, nil at the end of the connection, or `DeviceConnection.Timeout` after `timeout`.
    func next(timeout: TimeAmount, on eventLoop: any EventLoop) async throws -> Frame? {
        let result = try await withCheckedThrowingContinuation { continuation in
            let immediate = self.state.withLock { state -> Result<Result<Frame, any Error>?, any Error>? in
                if let frame = state.frames.popFirst() { return .success(frame) }
                if state.finished { return .success(nil) }
                precondition(state.waiter == nil, "one reader at a time")
                state.wait &+= 1
                let wait = state.wait
                state.waiter = continuation
                state.waiterTimeout = eventLoop.scheduleTask(in: timeout) { self.expireWaiter(wait) }
                return nil
            }
            if let immediate {
                continuation.resume(with: immediate)
            }
        }
        return try result?.get()
    }

    private func expireWaiter(_ wait: UInt64) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Result<Frame, any Error>?, any Error>? in
            guard state.wait == wait else { return nil }
            defer { state.waiter = nil }
            state.waiterTimeout = nil
            return state.waiter
        }
        waiter?.resume(throwing: DeviceConnection.Timeout())
    }
}
