public import DFP
public import NIOCore
import Synchronization

/// Sends commands to devices and pairs each with the device's COMMAND_RESULT or a timeout.
///
/// A command goes to the device's live session, wherever its event loop is; the result comes back
/// through the event stream (this service is one of the gateway's sinks), matched by command ID.
public final class CommandService: EventSink {
    private struct Pending {
        var deviceID: String
        var name: String
        var profile: DeviceProfile?
        var continuation: CheckedContinuation<CommandOutcome, Never>
        var timeout: Scheduled<Void>?
        var sentAt: NIODeadline
    }

    private let sessions: SessionTable
    private let metrics: GatewayMetrics
    private let nextID = Atomic<UInt32>(0)
    private let pending = Mutex<[UInt32: Pending]>([:])

    init(sessions: SessionTable, metrics: GatewayMetrics) {
        self.sessions = sessions
        self.metrics = metrics
    }

    /// Sends `name(arguments)` to the device and waits for its result, at most `timeout`.
    public func execute(deviceID: String, name: String, arguments: [Field], timeout: Duration) async -> CommandOutcome {
        guard let session = self.sessions.session(for: deviceID) else {
            return CommandOutcome(commandID: nil, status: .offline)
        }
        let commandID = self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return await withCheckedContinuation { continuation in
            let entry = Pending(
                deviceID: deviceID,
                name: name,
                profile: session.profile,
                continuation: continuation,
                timeout: nil,
                sentAt: .now()
            )
            self.pending.withLock { $0[commandID] = entry }
            let timer = session.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                self.complete(commandID, deviceID: deviceID) { _ in
                    CommandOutcome(commandID: commandID, status: .timeout)
                }
            }
            // The result may already have arrived; only a still-pending command keeps its timer.
            let stillPending = self.pending.withLock { pending -> Bool in
                guard pending[commandID] != nil else { return false }
                pending[commandID]?.timeout = timer
                return true
            }
            if stillPending {
                session.connection.send(Command(commandID: commandID, name: name, arguments: arguments))
            } else {
                timer.cancel()
            }
        }
    }

    /// Completes the command if it is still pending for that device.
    private func complete(_ commandID: UInt32, deviceID: String, outcome: (Pending) -> CommandOutcome) {
        let entry = self.pending.withLock { pending -> Pending? in
            guard pending[commandID]?.deviceID == deviceID else { return nil }
            return pending.removeValue(forKey: commandID)
        }
        guard let entry else { return }
        entry.timeout?.cancel()
        let result = outcome(entry)
        if result.status != .timeout {
            self.metrics.commandRoundTrip.recordNanoseconds((NIODeadline.now() - entry.sentAt).nanoseconds)
        }
        entry.continuation.resume(returning: result)
    }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        guard case .commandResult(let report) = event else { return nil }
        self.complete(report.result.commandID, deviceID: report.deviceID) { entry in
            let status: CommandOutcomeStatus =
                switch report.result.status {
                case .ok: .ok
                case .failed: .failed
                case .unsupported: .unsupported
                case .busy: .busy
                }
            return CommandOutcome(
                commandID: report.result.commandID,
                status: status,
                result: entry.profile.commandResultValues(name: entry.name, fields: report.result.fields)
            )
        }
        return nil
    }
}
