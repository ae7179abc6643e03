import DFP
import Dispatch
import GatehouseCore
import NIOCore
import NIOPosix

// Micro-benchmarks of the hot paths, run in release mode:
//     swift run -c release gatehouse-bench [codec|sessions|all] [rounds]
// and an end-to-end load against a running gateway (started with --allow-unknown-devices):
//     swift run -c release gatehouse-bench load PORT [DEVICES] [WINDOW] [SECONDS]
// and telemetry → dashboard latency (10 WebSocket clients, DEVICES msgs/s in all):
//     swift run -c release gatehouse-bench fanout DEVICE_PORT HTTP_PORT API_TOKEN [DEVICES] [CLIENTS] [SECONDS]
// and the MQTT reference (QoS 1 straight to a local mosquitto, to compare with `load` through a bridged
// gateway), and the cross-node takeover latency between two bridged gateways:
//     swift run -c release gatehouse-bench mqtt-direct BROKER_PORT [CLIENTS] [WINDOW] [SECONDS]
//     swift run -c release gatehouse-bench takeover DEVICE_PORT_A DEVICE_PORT_B [ROUNDS]
// and dashboard command round trips through the durable command queue:
//     swift run -c release gatehouse-bench commands DEVICE_PORT HTTP_PORT API_TOKEN [DEVICES] [CLIENTS] [SECONDS]
// Each figure is the median of several rounds; the numbers belong in the README's performance section.

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Runs `body` `rounds` times; each run returns how many operations it did. Returns operations per second.
func measure(rounds: Int, _ body: () -> Int) -> [Double] {
    (0..<rounds).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        let operations = body()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(operations) / elapsed
    }
}

func report(_ name: String, _ perSecond: [Double], unit: String) {
    let formatted = perSecond.sorted().map { String(format: "%.2f", $0 / 1e6) }.joined(separator: " ")
    print("\(name): median \(String(format: "%.2f", median(perSecond) / 1e6)) M \(unit)/s  (rounds: \(formatted))")
}

/// Decodes a 40-byte telemetry frame and encodes its ACK, as the gateway does for every ACK_REQ frame,
/// on one core: a buffer of 1,000 such frames parsed over and over.
func benchmarkCodec(rounds: Int) {
    // i32 + f32 + u8 + u8 + bool after the 8-byte timestamp: a 29-byte payload, 40 bytes framed.
    let telemetry = Telemetry(
        timestampMs: 1_767_225_600_123,
        fields: [
            Field(tag: 1, value: .i32(-12_345)), Field(tag: 2, value: .f32(21.5)), Field(tag: 3, value: .u8(40)),
            Field(tag: 4, value: .u8(3)), Field(tag: 5, value: .bool(true)),
        ]
    )
    let framesPerBuffer = 1_000
    var stream = ByteBuffer()
    for seq in 0..<framesPerBuffer {
        stream.writeFrame(.telemetry(telemetry), flags: .ackRequested, seq: UInt16(seq))
    }
    precondition(stream.readableBytes == 40 * framesPerBuffer, "the benchmark frame must be 40 bytes")

    let parser = FrameParser()
    var checksum = 0
    let codecRates = measure(rounds: rounds) {
        var acks = ByteBuffer()
        acks.reserveCapacity(11 * framesPerBuffer)
        var frames = 0
        for _ in 0..<3_000 {
            var input = stream
            acks.clear()
            while let frame = try! parser.nextFrame(from: &input) {
                guard case .telemetry(let decoded) = try! Message(frame: frame) else { fatalError("not telemetry") }
                checksum &+= decoded.fields.count
                acks.writeFrame(.ack, seq: frame.seq)
                frames += 1
            }
        }
        return frames
    }
    report("decode 40-byte TELEMETRY + encode ACK, 1 core", codecRates, unit: "frames")

    let framingRates = measure(rounds: rounds) {
        var frames = 0
        for _ in 0..<3_000 {
            var input = stream
            while let frame = try! parser.nextFrame(from: &input) {
                checksum &+= Int(frame.seq)
                frames += 1
            }
        }
        return frames
    }
    report("frame + CRC check only, 1 core", framingRates, unit: "frames")
    precondition(checksum != 0)
}

/// A connection that is never terminated, for sessions that exist only in the table.
final class IdleConnection: SessionConnection {
    let eventLoop: any EventLoop
    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }
    func terminate(with code: ErrorCode, reason: StatusReason) {}
    func send(_ command: Command) {}
}

/// Looks up and replaces sessions in a table of 100,000 from several threads at once.
func benchmarkSessionTable(rounds: Int) {
    let sessionCount = 100_000
    let table = SessionTable()
    let clock = WallClock()
    let connection = IdleConnection(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
    let ids = (0..<sessionCount).map { "device-\($0)" }
    @Sendable func makeSession(_ id: String) -> DeviceSession {
        DeviceSession(
            deviceID: id, sessionID: SessionIDGenerator.next(), remoteAddress: "127.0.0.1:1", profile: nil,
            firmware: "", heartbeatSeconds: 30, connection: connection, clock: clock, now: .now()
        )
    }
    for id in ids {
        _ = table.register(makeSession(id))
    }

    for threads in [1, System.coreCount, 4 * System.coreCount] {
        let lookupsPerThread = 2_000_000
        let rates = measure(rounds: rounds) {
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var found = 0
                var index = thread &* 7_919
                for _ in 0..<lookupsPerThread {
                    index = (index &+ 104_729) % sessionCount
                    if table.session(for: ids[index]) != nil { found += 1 }
                }
                precondition(found == lookupsPerThread)
            }
            return threads * lookupsPerThread
        }
        report("session lookups, 100,000 sessions, \(threads) threads", rates, unit: "lookups")
    }

    let perThread = 200_000
    let takeoverRates = measure(rounds: rounds) {
        DispatchQueue.concurrentPerform(iterations: System.coreCount) { thread in
            for step in 0..<perThread {
                _ = table.register(makeSession(ids[(thread * perThread + step) % sessionCount]))
            }
        }
        return System.coreCount * perThread
    }
    report("session register (takeover), \(System.coreCount) threads", takeoverRates, unit: "registrations")
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "fanout" {
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    guard arguments.count >= 4, numbers.count >= 2 else {
        fatalError("usage: gatehouse-bench fanout DEVICE_PORT HTTP_PORT API_TOKEN [DEVICES] [CLIENTS] [SECONDS]")
    }
    let benchmark = FanOutBenchmark(
        gateway: BenchmarkGateway(devicePort: numbers[0], httpPort: numbers[1], apiToken: arguments[3]),
        devices: numbers.count > 2 ? numbers[2] : 1_000,
        clients: numbers.count > 3 ? numbers[3] : 10,
        seconds: min(numbers.count > 4 ? numbers[4] : 20, 120)
    )
    try await benchmark.run()
    exit(0)
}
if arguments.first == "commands" {
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    guard arguments.count >= 4, numbers.count >= 2 else {
        fatalError("usage: gatehouse-bench commands DEVICE_PORT HTTP_PORT API_TOKEN [DEVICES] [CLIENTS] [SECONDS]")
    }
    try await CommandBenchmark(
        gateway: BenchmarkGateway(devicePort: numbers[0], httpPort: numbers[1], apiToken: arguments[3]),
        devices: numbers.count > 2 ? numbers[2] : 100, clients: numbers.count > 3 ? numbers[3] : 8,
        seconds: min(numbers.count > 4 ? numbers[4] : 10, 120)
    ).run()
    exit(0)
}
if arguments.first == "mqtt-direct" {
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    guard let port = numbers.first else {
        fatalError("usage: gatehouse-bench mqtt-direct BROKER_PORT [CLIENTS] [WINDOW] [SECONDS]")
    }
    try await DirectMQTTBenchmark(
        port: port,
        clients: numbers.count > 1 ? numbers[1] : 2,
        window: numbers.count > 2 ? numbers[2] : 100,
        seconds: min(numbers.count > 3 ? numbers[3] : 20, 120)
    ).run()
    exit(0)
}
if arguments.first == "takeover" {
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    guard numbers.count >= 2 else { fatalError("usage: gatehouse-bench takeover DEVICE_PORT_A DEVICE_PORT_B [ROUNDS]") }
    try await TakeoverBenchmark(
        portA: numbers[0], portB: numbers[1], rounds: min(numbers.count > 2 ? numbers[2] : 50, 1_000)
    ).run()
    exit(0)
}
if arguments.first == "load" {
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    guard let port = numbers.first else { fatalError("usage: gatehouse-bench load PORT [DEVICES] [WINDOW] [SECONDS]") }
    let load = LoadGenerator(
        host: "127.0.0.1",
        port: port,
        devices: numbers.count > 1 ? numbers[1] : 1_000,
        window: numbers.count > 2 ? numbers[2] : 32,
        seconds: min(numbers.count > 3 ? numbers[3] : 10, 120)
    )
    try load.run()
    exit(0)
}
let selection = arguments.first { Int($0) == nil } ?? "all"
let rounds = arguments.compactMap { Int($0) }.first ?? 7
if selection == "codec" || selection == "all" {
    benchmarkCodec(rounds: rounds)
}
if selection == "sessions" || selection == "all" {
    benchmarkSessionTable(rounds: rounds)
}
