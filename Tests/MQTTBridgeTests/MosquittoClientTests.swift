import Foundation
import GatehouseTestSupport
import MQTTBridge
import Testing

@Suite("libmosquitto from Swift, against a real mosquitto")
struct MosquittoClientTests {
    static func connectedClient(
        _ broker: TestBroker,
        id: String,
        configure: (inout MosquittoClient.Configuration) -> Void = { _ in }
    ) async throws -> MosquittoClient {
        var configuration = MosquittoClient.Configuration(host: "127.0.0.1", port: broker.port, clientID: id)
        configure(&configuration)
        let client = try MosquittoClient(configuration)
        client.start()
        await client.waitUntilConnected()
        return client
    }

    /// The next message on the client's subscriptions, or nil after `timeout`.
    static func nextMessage(_ client: MosquittoClient, timeout: Duration = .seconds(5)) async -> MQTTMessage? {
        await withTaskGroup(of: MQTTMessage?.self) { group in
            group.addTask {
                var iterator = client.messages.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }

    /// A gateway serving thousands of devices opens its broker sockets past descriptor 1,023, where
    /// `select` (and so `mosquitto_loop`) cannot go: the bridge never came up there. In a process of its
    /// own (an exit test): so many open files would disturb the other tests' process launches.
    @Test func aConnectionWhoseSocketIsPastDescriptor1023Works() async {
        await #expect(processExitsWith: .success) {
            var broker: TestBroker? = try await TestBroker()
            let port = broker!.port
            let fillers = (0..<1100).map { _ in open("/dev/null", O_RDONLY) }
            guard fillers.allSatisfy({ $0 >= 0 }) else { exit(2) }
            let client = try MosquittoClient(
                MosquittoClient.Configuration(host: "127.0.0.1", port: port, clientID: "high-fd"))
            client.start()
            let connected = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await client.waitUntilConnected()
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = await group.next()!
                group.cancelAll()
                return first
            }
            guard connected else { exit(3) }
            try client.subscribe("gatehouse/fd/#")
            try await Task.sleep(for: .milliseconds(200))  // SUBACK
            try await client.publish(topic: "gatehouse/fd/1", payload: Array("high".utf8))
            let message = await Self.nextMessage(client)
            guard message.map({ String(decoding: $0.payload, as: UTF8.self) }) == "high" else { exit(4) }
            await client.disconnect()
            broker = nil  // its deinit kills the broker
        }
    }

    @Test func aQoS1PublishReturnsAfterPUBACKAndReachesASubscriber() async throws {
        let broker = try await TestBroker()
        let subscriber = try await Self.connectedClient(broker, id: "sub-1")
        try subscriber.subscribe("gatehouse/test/#")
        try await Task.sleep(for: .milliseconds(200))  // SUBACK
        let publisher = try await Self.connectedClient(broker, id: "pub-1")
        for index in 0..<100 {
            try await publisher.publish(topic: "gatehouse/test/\(index)", payload: Array("m\(index)".utf8))
        }
        var received: [String] = []
        var iterator = subscriber.messages.makeAsyncIterator()
        while received.count < 100, let message = await iterator.next() {
            received.append(String(decoding: message.payload, as: UTF8.self))
        }
        #expect(received == (0..<100).map { "m\($0)" })
        await publisher.disconnect()
        await subscriber.disconnect()
        await broker.stop()
    }

    @Test func aRetainedMessageReachesALateSubscriber() async throws {
        let broker = try await TestBroker()
        let publisher = try await Self.connectedClient(broker, id: "pub-r")
        try await publisher.publish(topic: "gatehouse/nodes/n1/status", payload: Array("online".utf8), retain: true)
        let late = try await Self.connectedClient(broker, id: "late")
        try late.subscribe("gatehouse/nodes/+/status")
        let message = try #require(await Self.nextMessage(late))
        #expect(message.topic == "gatehouse/nodes/n1/status")
        #expect(message.payload == Array("online".utf8))
        #expect(message.retain)
        await publisher.disconnect()
        await late.disconnect()
        await broker.stop()
    }

    @Test func theWillIsPublishedWhenAClientVanishesWithoutDisconnecting() async throws {
        let broker = try await TestBroker()
        let watcher = try await Self.connectedClient(broker, id: "watcher")
        try watcher.subscribe("gatehouse/nodes/+/status")
        try await Task.sleep(for: .milliseconds(200))
        do {
            let node = try await Self.connectedClient(broker, id: "node-1") {
                $0.will = (topic: "gatehouse/nodes/node-1/status", payload: Array("offline".utf8), retain: true)
            }
            _ = node  // dropped here without DISCONNECT: its socket closes, as when a process dies
        }
        let will = try #require(await Self.nextMessage(watcher))
        #expect(will.topic == "gatehouse/nodes/node-1/status")
        #expect(will.payload == Array("offline".utf8))
        await watcher.disconnect()
        await broker.stop()
    }

    @Test func theClientReconnectsByItselfAfterABrokerRestart() async throws {
        var broker = try await TestBroker()
        let port = broker.port
        let publisher = try await Self.connectedClient(broker, id: "pub-restart") { $0.cleanSession = false }
        await broker.stop()
        let deadline = ContinuousClock.now + .seconds(10)
        while publisher.isConnected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // While the broker is away a publish is refused at once, not queued without bound.
        await #expect { try await publisher.publish(topic: "gatehouse/test/lost", payload: [0]) } throws: { error in
            (error as? MosquittoError)?.isNotConnected == true
        }

        broker = try await TestBroker(port: port)
        let subscriber = try await Self.connectedClient(broker, id: "sub-restart")
        try subscriber.subscribe("gatehouse/test/#")
        try await Task.sleep(for: .milliseconds(200))
        await publisher.waitUntilConnected()  // after a jittered back-off
        try await publisher.publish(topic: "gatehouse/test/after-restart", payload: [1, 2, 3])
        let message = try #require(await Self.nextMessage(subscriber))
        #expect(message.topic == "gatehouse/test/after-restart")
        #expect(message.payload == [1, 2, 3])
        await publisher.disconnect()
        await subscriber.disconnect()
        await broker.stop()
    }
}
