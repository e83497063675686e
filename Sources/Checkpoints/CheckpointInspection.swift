import Foundation
import Core

/// What a checkpoint file holds, independent of the model: format, tensors, element types and
/// the tensor families (first name component) with their sizes. The models add their inferred
/// architecture to the report.
public enum CheckpointInspection {
    public static func report(of store: TensorStore) -> Report {
        var report = Report()
        report.add("file", store.path, key: "path")
        report.add("format", store.formatName, key: "format")
        let names = store.tensorNames
        report.add("tensors", names.count, key: "tensor_count")

        var dtypeCounts: [String: Int] = [:]
        var families: [String: (tensors: Int, parameters: Int)] = [:]
        for name in names {
            guard let info = store.info(name) else { continue }
            dtypeCounts[info.dtype.rawValue, default: 0] += 1
            let family = Self.family(of: name)
            families[family, default: (0, 0)].tensors += 1
            families[family, default: (0, 0)].parameters += info.elementCount
        }
        report.add("dtypes", dtypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "),
                   key: "dtypes", json: dtypeCounts)
        var familyJSON: [String: Any] = [:]
        for (family, stats) in families.sorted(by: { $0.key < $1.key }) {
            report.add("  \(family).*", "\(stats.tensors) tensors, \(Report.formatCount(stats.parameters)) values")
            familyJSON[family] = ["tensors": stats.tensors, "values": stats.parameters]
        }
        report.fields["families"] = familyJSON
        return report
    }

    /// The family a tensor belongs to: its name up to the first dot.
    public static func family(of name: String) -> String {
        name.split(separator: ".").first.map(String.init) ?? name
    }

    /// Values stored in the tensors of `family`.
    public static func parameters(of store: TensorStore, family: String) -> Int? {
        var total: Int?
        for name in store.tensorNames where Self.family(of: name) == family {
            guard let info = store.info(name) else { continue }
            total = (total ?? 0) + info.elementCount
        }
        return total
    }
}
