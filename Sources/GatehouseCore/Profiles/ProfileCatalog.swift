import Foundation

/// The device profiles of a deployment: every `NAME.yaml` in the devices directory, loaded and checked once at
/// startup so a mistake in any of them stops the server with a clear message instead of mislabelling data later.
public struct ProfileCatalog: Sendable {
    private static let fileSuffix = ".yaml"

    private let profiles: [String: DeviceProfile]

    /// Loads every `*.yaml` file of `directory` (other files, and hidden ones such as editor lock files, are
    /// ignored). An empty directory is fine; a missing one is an error, since it is most likely a wrong path.
    public init(directory: String) throws(ProfileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ProfileError(file: directory, problem: "the profile directory does not exist")
        }
        guard isDirectory.boolValue else {
            throw ProfileError(file: directory, problem: "the profile directory is not a directory")
        }
        let fileNames: [String]
        do {
            fileNames = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ProfileError(
                file: directory, problem: "cannot list the profile directory: \(error.localizedDescription)")
        }
        var profiles: [String: DeviceProfile] = [:]
        // Sorted, so that with several broken files the same one is reported every time.
        for fileName in fileNames.sorted() where fileName.hasSuffix(Self.fileSuffix) && !fileName.hasPrefix(".") {
            // Joined by hand rather than through URL, which would make a relative path absolute in messages.
            let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
            let name = String(fileName.dropLast(Self.fileSuffix.count))
            let yaml: String
            do {
                yaml = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ProfileError(file: path, problem: "cannot read the file as UTF-8: \(error.localizedDescription)")
            }
            profiles[name] = try ProfileParser(file: path).profile(named: name, yaml: yaml)
        }
        self.profiles = profiles
    }

    /// A catalog of profiles built in code, as tests and embedders need; a later profile replaces an earlier one
    /// of the same name.
    public init(profiles: [DeviceProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { _, later in later })
    }

    public func profile(named name: String) -> DeviceProfile? {
        profiles[name]
    }

    /// The profile names, sorted.
    public var names: [String] {
        profiles.keys.sorted()
    }
}
