public import GatehouseCore
public import Logging
public import NIOCore
public import ServiceLifecycle

/// The MQTT side of a gateway node, run as a service: the broker connections that publish what the
/// `MQTTBridgeSink` queues, and the subscriptions through which the node learns what other nodes do
/// and receives commands.
///
/// One control connection carries statuses, command results and the node's own status (with its
/// `offline` will) and holds the subscriptions; data connections carry telemetry and events. List it
/// before the device server in the service group: services stop in reverse order, so the bridge is
/// still there to publish the sessions' `offline` statuses when the device server closes them.
public struct MQTTBridge: Service {
    private let gateway: Gateway
    private let sink: MQTTBridgeSink
    private let broker: BrokerAddress
    private let eventLoops: any EventLoopGroup
    private let logger: Logger

    public init(
        gateway: Gateway, sink: MQTTBridgeSink, broker: BrokerAddress, eventLoops: any EventLoopGroup, logger: Logger
    ) {
        self.gateway = gateway
        self.sink = sink
        self.broker = broker
        self.eventLoops = eventLoops
        self.logger = logger
    }

    private func configuration(_ role: String) -> MosquittoClient.Configuration {
        let settings = self.gateway.settings
        var configuration = MosquittoClient.Configuration(
            host: self.broker.host, port: self.broker.port, clientID: "gatehouse-\(settings.nodeID)-\(role)")
        configuration.username = self.broker.username
        configuration.password = self.broker.password
        configuration.usesTLS = self.broker.usesTLS
        configuration.caFile = settings.mqttCA
        return configuration
    }

    public func run() async throws {
        let sink = self.sink
        let inbound = MQTTInbound(gateway: self.gateway, sink: sink, eventLoops: self.eventLoops, logger: self.logger)
        let gateway = self.gateway
        var controlConfiguration = self.configuration("control")
        controlConfiguration.will = (
            topic: sink.topics.nodeStatus(sink.nodeID), payload: Array("offline".utf8), retain: true
        )
        controlConfiguration.subscriptions = sink.topics.subscriptions(of: sink.nodeID)
        let logger = self.logger
        let connectionsUp = ConnectionCount(total: 1 + sink.data.count, metrics: sink.metrics)
        let control = try MosquittoClient(
            controlConfiguration,
            logger: self.logger,
            onConnect: {
                logger.info("connected to the MQTT broker", metadata: ["node": "\(sink.nodeID)"])
                inbound.brokerConnected()
                connectionsUp.connected()
            },
            onDisconnect: {
                logger.warning(
                    "lost the MQTT broker: holding messages in the outbox", metadata: ["node": "\(sink.nodeID)"])
                connectionsUp.disconnected()
            },
            onMessage: { inbound.handle($0) }
        )
        let dataClients = try sink.data.indices.map { index in
            try MosquittoClient(
                self.configuration("data-\(index)"), logger: self.logger,
                onConnect: { connectionsUp.connected() }, onDisconnect: { connectionsUp.disconnected() })
        }
        let clients = [control] + dataClients
        let publishers = zip(clients, sink.outboxes).map { client, outbox in
            MQTTPublisher(
                client: client, outbox: outbox, window: client.maxInflight, metrics: sink.metrics,
                logger: self.logger, isSuperseded: { inbound.isSuperseded($0) })
        }
        self.logger.info(
            "MQTT bridge on",
            metadata: [
                "broker": "\(self.broker)", "prefix": "\(sink.topics.prefix)", "node": "\(sink.nodeID)",
                "outbox": "\(self.gateway.settings.mqttOutbox)",
            ])
        gateway.peerFeedDemand.observe { watching in
            for topic in sink.topics.liveFeedSubscriptions {
                do throws(MosquittoError) {
                    try watching ? control.subscribe(topic, qos: 0) : control.unsubscribe(topic)
                } catch {
                    logger.warning(
                        "MQTT subscription change failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
                }
            }
        }
        for client in clients { client.start() }

        await withTaskGroup(of: Void.self) { group in
            for publisher in publishers {
                group.addTask { await publisher.run() }
            }
            // Returns at graceful shutdown, or throws at cancellation; either way the bridge winds down.
            try? await gracefulShutdown()
            await self.windDown(control: control, clients: clients)
            await group.waitForAll()
        }
        self.logger.info("MQTT bridge stopped")
    }

    /// After the device server stopped and the sink flushed the sessions' last statuses: this node's
    /// `offline`, then a clean disconnect. What still waits is given up, and its devices get no ACK.
    private func windDown(control: MosquittoClient, clients: [MosquittoClient]) async {
        if control.isConnected {
            self.sink.publishNodeStatus(online: false)
            let deadline = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < deadline, !self.sink.control.isDrained {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        var undelivered = 0
        for outbox in self.sink.outboxes {
            for message in outbox.close() {
                message.confirmation?.fail(MQTTBridgeError.notDelivered)
                undelivered += 1
            }
        }
        if undelivered > 0 {
            self.logger.warning(
                "MQTT bridge stopped with messages undelivered", metadata: ["messages": "\(undelivered)"])
        }
        for client in clients {
            await client.disconnect()
        }
        self.sink.metrics.connected.record(0)
    }
}
