import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite("mqtts:// with --mqtt-ca, against a TLS listener of a real mosquitto")
struct TLSTests {
    /// A CA and a certificate for 127.0.0.1 signed by it, made with the openssl command-line tool.
    struct Certificates {
        let directory: URL
        var ca: String { self.directory.appendingPathComponent("ca.pem").path }
        var certificate: String { self.directory.appendingPathComponent("server.pem").path }
        var key: String { self.directory.appendingPathComponent("server.key").path }

        static func make(commonName: String = "Gatehouse Test CA") async throws -> Certificates {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try "subjectAltName=IP:127.0.0.1\n".write(
                to: directory.appendingPathComponent("san.cnf"), atomically: true, encoding: .utf8)
            let steps: [[String]] = [
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days",
                    "1",
                    "-subj", "/CN=\(commonName)",
                ],
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                    "/CN=127.0.0.1",
                ],
                [
                    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                    "server.pem", "-days", "1", "-extfile", "san.cnf",
                ],
            ]
            for arguments in steps {
                try await Self.openssl(arguments, in: directory)
            }
            // The broker runs as its own user once started as root.
            for file in ["ca.pem", "server.pem", "server.key"] {
                try FileManager.default.setAttributes(
                    [.posixPermissions: 0o644], ofItemAtPath: directory.appendingPathComponent(file).path)
            }
            return Certificates(directory: directory)
        }

        private static func openssl(_ arguments: [String], in directory: URL) async throws {
            let process = try ChildProcess("/usr/bin/openssl", arguments, workingDirectory: directory.path)
            guard try await process.waitForExit() == 0 else { throw TestFailure("openssl \(arguments[0]) failed") }
        }
    }

    @Test func theBridgeConnectsOverTLSVerifiedByTheGivenCAAndRefusesAnotherCA() async throws {
        let certificates = try await Certificates.make()
        let stranger = try await Certificates.make(commonName: "Someone Else's CA")
        defer {
            try? FileManager.default.removeItem(at: certificates.directory)
            try? FileManager.default.removeItem(at: stranger.directory)
        }
        let tlsPort = try TestBroker.freePort()
        let broker = try await TestBroker(extraConfiguration: [
            "listener \(tlsPort) 127.0.0.1", "cafile \(certificates.ca)", "certfile \(certificates.certificate)",
            "keyfile \(certificates.key)",
        ])
        let backend = try await MQTTTestClient(broker, subscriptions: ["gatehouse/#"])

        let node = try await TestGateway.start { settings in
            settings.mqtt = BrokerAddress(host: "127.0.0.1", port: tlsPort, usesTLS: true)
            settings.mqttCA = certificates.ca
            settings.nodeID = "node-tls"
            settings.allowUnknownDevices = true
        }
        _ = try await backend.waitForText("online", on: "gatehouse/nodes/node-tls/status")
        let device = try await node.loginThermostat("thermo-tls")
        #expect(try await device.sendTelemetry(seq: 1, temperature: 200))
        let telemetry = try await backend.waitForJSON(on: "gatehouse/devices/thermo-tls/telemetry")
        #expect(telemetry["node"]?.stringValue == "node-tls")

        // A broker whose certificate the given CA did not sign is never trusted.
        let distrustful = try await TestGateway.start { settings in
            settings.mqtt = BrokerAddress(host: "127.0.0.1", port: tlsPort, usesTLS: true)
            settings.mqttCA = stranger.ca
            settings.nodeID = "node-distrustful"
        }
        try await Task.sleep(for: .seconds(2))
        #expect(backend.messages(on: "gatehouse/nodes/node-distrustful/status").isEmpty)
        #expect(!distrustful.metricsText.contains("gatehouse_mqtt_connected 1"))

        try await node.stop()
        try await distrustful.stop()
        await device.close()
        await backend.disconnect()
        await broker.stop()
    }
}
