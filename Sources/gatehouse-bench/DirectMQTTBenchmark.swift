import Dispatch
import Foundation
import MQTTBridge
import Synchronization

/// The reference for the bridge: the same telemetry load sent straight to mosquitto by MQTT clients,
/// each keeping `window` QoS 1 publishes awaiting PUBACK, one more sent for every PUBACK. Payloads are
/// the bridge's own telemetry JSON for a 40-byte frame, on 1,000 device topics.
struct DirectMQTTBenchmark {
    var port: Int
    var clients: Int
    var window: Int
    var seconds: Int

    static let payload = Array(
        #"{"type":"telemetry","node":"bench","device":"load-0","ts":1767225600123,"seq":1,"fields":{"1":-12345,"2":21.5,"3":40,"4":3,"5":true}}"#
            .utf8)

    final class Pump: Sendable {
        let client: MosquittoClient
        let topics: [String]
        let acks = Atomic<Int>(0)
        let latency: LatencyRecorder
        private let batch = Mutex<[UInt64]>([])
        private let running = Atomic<Bool>(true)

        init(client: MosquittoClient, topics: [String], latency: LatencyRecorder) {
            self.client = client
            self.topics = topics
            self.latency = latency
        }

        /// Publishes one message; its PUBACK (on the client's network thread) publishes the next.
        func publish(_ index: Int) {
            guard self.running.load(ordering: .relaxed) else { return }
            let sent = DispatchTime.now().uptimeNanoseconds
            do {
                try self.client.publish(
                    topic: self.topics[index % self.topics.count], payload: DirectMQTTBenchmark.payload
                ) { acknowledged in
                    guard acknowledged else { return }
                    self.acks.add(1, ordering: .relaxed)
                    let full = self.batch.withLock { batch -> [UInt64]? in
                        batch.append(DispatchTime.now().uptimeNanoseconds - sent)
                        guard batch.count >= 256 else { return nil }
                        defer { batch.removeAll(keepingCapacity: true) }
                        return batch
                    }
                    if let full { self.latency.record(full) }
                    self.publish(index + 1)
                }
            } catch {
                print("publish failed: \(error)")
            }
        }

        func stop() { self.running.store(false, ordering: .relaxed) }
    }

    func run() async throws {
        let latency = LatencyRecorder()
        var pumps: [Pump] = []
        for index in 0..<self.clients {
            var configuration = MosquittoClient.Configuration(
                host: "127.0.0.1", port: self.port, clientID: "bench-direct-\(index)")
            configuration.maxInflight = max(self.window, 1)
            let client = try MosquittoClient(configuration)
            client.start()
            await client.waitUntilConnected()
            let topics = (0..<1_000).filter { $0 % self.clients == index }.map {
                "gatehouse/devices/load-\($0)/telemetry"
            }
            pumps.append(Pump(client: client, topics: topics, latency: latency))
        }
        for pump in pumps {
            for slot in 0..<self.window { pump.publish(slot) }
        }
        var perSecond: [Double] = []
        var previous = pumps.reduce(0) { $0 + $1.acks.load(ordering: .relaxed) }
        for _ in 0..<self.seconds {
            try await Task.sleep(for: .seconds(1))
            let now = pumps.reduce(0) { $0 + $1.acks.load(ordering: .relaxed) }
            perSecond.append(Double(now - previous))
            previous = now
        }
        for pump in pumps { pump.stop() }
        for pump in pumps { await pump.client.disconnect() }
        let sorted = perSecond.sorted()
        print(
            "direct to mosquitto, \(self.clients) clients × \(self.window) in flight: PUBACKed msgs/s over "
                + "\(self.seconds) s: median \(Int(sorted[sorted.count / 2])), min \(Int(sorted.first!)), "
                + "max \(Int(sorted.last!))")
        print("PUBACK latency: \(latency.summary())")
    }
}
