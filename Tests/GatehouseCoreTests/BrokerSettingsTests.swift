import GatehouseCore
import Testing

@Suite("MQTT settings")
struct BrokerSettingsTests {
    @Test func brokerURLsAreRead() throws {
        let plain = try BrokerAddress(parsing: "mqtt://broker.internal:1884")
        #expect(plain == BrokerAddress(host: "broker.internal", port: 1884))
        let tls = try BrokerAddress(parsing: "mqtts://gw:s%40cret@broker.internal")
        #expect(
            tls == BrokerAddress(host: "broker.internal", port: 8883, usesTLS: true, username: "gw", password: "s@cret")
        )
        #expect(tls.description == "mqtts://gw@broker.internal:8883")
        #expect(try BrokerAddress(parsing: "mqtt://[::1]:1883").host == "::1")
        #expect(try BrokerAddress(parsing: "mqtt://localhost").port == 1883)
        for bad in [
            "http://broker:1883", "mqtt://", "mqtt://broker:0", "mqtt://broker:99999", "mqtt://broker/path",
            "broker:1883",
        ] {
            #expect(throws: SettingsError.self) { try BrokerAddress(parsing: bad) }
        }
    }

    @Test func mqttSettingsComeFromFlagsAndConfigFilesAndAreChecked() throws {
        var settings = GatewaySettings()
        try settings.apply(
            configYAML: "mqtt: mqtt://127.0.0.1:1883\nmqtt_prefix: acme/gw\nnode-id: gw-7\nmqtt_outbox: 500\n",
            source: "test")
        #expect(settings.mqtt?.port == 1883)
        #expect(settings.mqttPrefix == "acme/gw")
        #expect(settings.nodeID == "gw-7")
        #expect(settings.mqttOutbox == 500)
        try settings.validate()
        #expect(!GatewaySettings().nodeID.isEmpty)

        for (key, value) in [
            ("node_id", "a/b"), ("node_id", "a+"), ("mqtt_prefix", "acme/#"), ("mqtt_prefix", "/acme"),
            ("mqtt_outbox", "0"), ("mqtt_ca", "/ca.pem"),
        ] {
            var invalid = settings
            try invalid.apply(key: key, value: value)
            #expect(throws: SettingsError.self, "\(key)=\(value)") { try invalid.validate() }
        }
    }
}

@Suite("Command queue settings")
struct CommandQueueSettingsTests {
    @Test func theRetentionIsADurationInDaysOrLessAndZeroKeepsEverything() throws {
        var settings = GatewaySettings()
        #expect(settings.commandRetention == .seconds(7 * 86400))
        try settings.apply(configYAML: "command_retention: 2d\ncommand_queue_limit: 5\n", source: "test")
        #expect(settings.commandRetention == .seconds(2 * 86400))
        #expect(settings.commandQueueLimit == 5)
        try settings.apply(key: "command_retention", value: "0")
        #expect(settings.commandRetention == .zero)
        #expect(throws: SettingsError.self) { try settings.apply(key: "command_retention", value: "soon") }
        #expect(throws: SettingsError.self) { try settings.apply(key: "command_queue_limit", value: "0") }
    }
}
