public import DFP
import Foundation
import NIOCore

/// One simulated device: logs in, sends telemetry on an interval, keeps the session alive, answers
/// every COMMAND with `ok`, and reports what the gateway sends through `onPacket`.
public struct SimulatedDevice: Sendable {
    public var host: String
    public var port: Int
    public var hello: Hello
    public var interval: Duration
    public var fields: [FieldPattern]
    public var ackRequested: Bool

    public init(host: String, port: Int, hello: Hello, interval: Duration, fields: [FieldPattern], ackRequested: Bool) {
        self.host = host
        self.port = port
        self.hello = hello
        self.interval = interval
        self.fields = fields
        self.ackRequested = ackRequested
    }

    /// The gateway refused or ended the session.
    public struct Ended: Error, CustomStringConvertible {
        public var report: ErrorReport?
        public var description: String {
            self.report.map { "gateway sent ERROR \($0.code.rawValue): \($0.message)" }
                ?? "gateway closed the connection"
        }
    }

    /// Runs until the task is cancelled or the gateway ends the session; each list of fields from
    /// `typed` is sent as one more TELEMETRY frame with ACK_REQ.
    public func run(
        typed: AsyncStream<[Field]>? = nil,
        onPacket: @escaping @Sendable (Packet) -> Void = { _ in }
    ) async throws {
        let connection = try await DeviceConnection.connect(host: self.host, port: self.port)
        try await connection.send(.hello(self.hello), seq: 0)
        guard let first = try await connection.receive(timeout: .seconds(15)) else { throw Ended(report: nil) }
        onPacket(first)
        guard case .welcome(let welcome) = first.message else {
            if case .error(let report) = first.message { throw Ended(report: report) }
            throw Ended(report: nil)
        }
        let sequence = SequenceNumbers()
        // Each task returns whether its end ends the device: the end of typed input does not.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await Self.answer(connection: connection, sequence: sequence, onPacket: onPacket)
                return true
            }
            group.addTask {
                try await self.sendTelemetry(
                    connection: connection, heartbeat: welcome.heartbeatSeconds, sequence: sequence)
                return true
            }
            if let typed {
                group.addTask {
                    for await fields in typed {
                        let telemetry = Telemetry(timestampMs: Self.nowMs(), fields: fields)
                        try await connection.send(
                            .telemetry(telemetry), seq: await sequence.next(), flags: .ackRequested)
                    }
                    return false
                }
            }
            for try await endsDevice in group where endsDevice {
                group.cancelAll()
                break
            }
        }
        await connection.close()
    }

    private func sendTelemetry(connection: DeviceConnection, heartbeat: UInt16, sequence: SequenceNumbers) async throws
    {
        var fields = FieldState(self.fields)
        let start = ContinuousClock.now
        // Telemetry counts as liveness; if the interval is longer than the heartbeat, PING in between.
        let tick = min(self.interval, .seconds(Int64(max(heartbeat, 1))))
        var sinceTelemetry = Duration.zero
        while !Task.isCancelled {
            try await Task.sleep(for: tick)
            sinceTelemetry += tick
            if sinceTelemetry >= self.interval, !self.fields.isEmpty {
                sinceTelemetry = .zero
                let values = fields.next(elapsed: ContinuousClock.now - start)
                let telemetry = Telemetry(timestampMs: Self.nowMs(), fields: values)
                try await connection.send(
                    .telemetry(telemetry),
                    seq: await sequence.next(),
                    flags: self.ackRequested ? .ackRequested : []
                )
            } else {
                try await connection.send(.ping, seq: await sequence.next())
            }
        }
    }

    private static func answer(
        connection: DeviceConnection,
        sequence: SequenceNumbers,
        onPacket: @Sendable (Packet) -> Void
    ) async throws {
        while true {
            let packet: Packet?
            do {
                packet = try await connection.receive(timeout: .seconds(3600))
            } catch is DeviceConnection.Timeout {
                continue
            }
            guard let packet else { throw Ended(report: nil) }
            onPacket(packet)
            switch packet.message {
            case .command(let command):
                let result = CommandResult(commandID: command.commandID, status: .ok, fields: [])
                try await connection.send(.commandResult(result), seq: await sequence.next())
            case .error(let report):
                throw Ended(report: report)
            default:
                break
            }
        }
    }

    static func nowMs() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1000)
    }
}

/// The seq counter a device's frames share, wrapping at 65535 as DFP/1 says.
actor SequenceNumbers {
    private var value: UInt16 = 0

    func next() -> UInt16 {
        self.value &+= 1
        return self.value
    }
}
