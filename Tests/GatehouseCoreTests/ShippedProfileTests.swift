import DFP
import Foundation
import GatehouseCore
import Testing

/// The profiles shipped in `devices/`, loaded from the real directory.
@Suite struct ShippedProfileTests {
    private static let devicesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("devices").path

    private let catalog: ProfileCatalog

    init() throws {
        catalog = try ProfileCatalog(directory: Self.devicesDirectory)
    }

    @Test func allShippedProfilesLoad() {
        #expect(catalog.names == ["gps-tracker", "power-meter", "thermostat"])
        #expect(catalog.profile(named: "thermostat")?.description == "Wall thermostat with heating relay")
        #expect(catalog.profile(named: "no-such-profile") == nil)
    }

    @Test func thermostatTelemetry() throws {
        let thermostat = try #require(catalog.profile(named: "thermostat"))
        let values = thermostat.telemetryValues([
            Field(tag: 1, value: .i16(215)),
            Field(tag: 2, value: .u8(40)),
            Field(tag: 4, value: .bool(true)),
            Field(tag: 5, value: .string("auto")),
        ])
        #expect(
            values == [
                NamedValue(name: "temperature", value: .double(21.5), unit: "°C"),
                NamedValue(name: "humidity", value: .uint(40), unit: "%"),
                NamedValue(name: "heating", value: .bool(true)),
                NamedValue(name: "mode", value: .string("auto")),
            ])
    }

    @Test func thermostatEventsAndCommandResult() throws {
        let thermostat = try #require(catalog.profile(named: "thermostat"))
        #expect(thermostat.eventName(code: 1) == "overheat")
        #expect(thermostat.eventName(code: 99) == nil)
        #expect(
            thermostat.eventValues([Field(tag: 1, value: .i16(-55))]) == [
                NamedValue(name: "temperature", value: .double(-5.5), unit: "°C")
            ])
        #expect(
            thermostat.commandResultValues(
                name: "set_setpoint", fields: [Field(tag: 1, value: .i16(225)), Field(tag: 2, value: .string("ok"))]
            ) == [
                NamedValue(name: "setpoint", value: .double(22.5), unit: "°C"),
                NamedValue(name: "message", value: .string("ok")),
            ])
    }

    @Test func powerMeterTelemetry() throws {
        let meter = try #require(catalog.profile(named: "power-meter"))
        let values = meter.telemetryValues([
            Field(tag: 1, value: .u16(2301)),
            Field(tag: 2, value: .u32(1234)),
            Field(tag: 3, value: .i32(-150)),
            Field(tag: 4, value: .u64(1_234_567)),
            Field(tag: 5, value: .u16(4998)),
            Field(tag: 6, value: .i16(-950)),
            Field(tag: 7, value: .bool(false)),
        ])
        #expect(
            values == [
                NamedValue(name: "voltage", value: .double(230.1), unit: "V"),
                NamedValue(name: "current", value: .double(1.234), unit: "A"),
                NamedValue(name: "power", value: .int(-150), unit: "W"),
                NamedValue(name: "energy", value: .double(1234.567), unit: "kWh"),
                NamedValue(name: "frequency", value: .double(49.98), unit: "Hz"),
                NamedValue(name: "power_factor", value: .double(-0.95)),
                NamedValue(name: "relay", value: .bool(false)),
            ])
        #expect(meter.commands.keys.sorted() == ["relay_off", "relay_on", "reset_energy", "set_current_limit"])
    }

    @Test func gpsTrackerTelemetryAndEvents() throws {
        let tracker = try #require(catalog.profile(named: "gps-tracker"))
        let values = tracker.telemetryValues([
            Field(tag: 1, value: .i32(-338_688_000)),
            Field(tag: 2, value: .i32(1_512_093_000)),
            Field(tag: 3, value: .u16(4250)),
            Field(tag: 4, value: .u16(27_050)),
            Field(tag: 5, value: .i32(5830)),
            Field(tag: 6, value: .u8(9)),
            Field(tag: 7, value: .u8(87)),
        ])
        #expect(
            values == [
                NamedValue(name: "latitude", value: .double(-33.8688), unit: "°"),
                NamedValue(name: "longitude", value: .double(151.2093), unit: "°"),
                NamedValue(name: "speed", value: .double(42.5), unit: "km/h"),
                NamedValue(name: "heading", value: .double(270.5), unit: "°"),
                NamedValue(name: "altitude", value: .double(58.3), unit: "m"),
                NamedValue(name: "satellites", value: .uint(9)),
                NamedValue(name: "battery", value: .uint(87), unit: "%"),
            ])
        #expect(tracker.eventName(code: 1) == "geofence_enter")
        #expect(tracker.eventName(code: 2) == "geofence_exit")
        #expect(tracker.eventName(code: 3) == "sos")
        #expect(
            tracker.eventValues([Field(tag: 3, value: .string("depot"))]) == [
                NamedValue(name: "geofence", value: .string("depot"))
            ])
    }

    @Test func gpsTrackerCommandArguments() throws {
        let tracker = try #require(catalog.profile(named: "gps-tracker"))
        #expect(
            try tracker.commandArguments(name: "set_report_interval", values: ["seconds": .int(60)]) == [
                Field(tag: 1, value: .u32(60))
            ])
        #expect(try tracker.commandArguments(name: "locate", values: [:]) == [])
        #expect(
            try tracker.commandArguments(
                name: "add_geofence",
                values: [
                    "radius": .uint(250), "longitude": .double(151.2093), "latitude": .double(-33.8688),
                    "name": .string("depot"),
                ]
            ) == [
                Field(tag: 1, value: .string("depot")),
                Field(tag: 2, value: .i32(-338_688_000)),
                Field(tag: 3, value: .i32(1_512_093_000)),
                Field(tag: 4, value: .u32(250)),
            ])
    }
}
