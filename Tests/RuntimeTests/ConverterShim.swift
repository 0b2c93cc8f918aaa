import Conversion

/// The project's converter, as the tests use it: default options, a given output path.
enum ConverterShim {
    @discardableResult
    static func convert(_ input: String, to output: String, dtype: DTypePolicy = .keep) throws -> ConversionReport {
        var options = ConversionOptions()
        options.dtype = dtype
        return try Converter.convert(input: input, output: output, options: options)
    }
}
