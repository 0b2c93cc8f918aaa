import Glibc

/// One lane of `aten/src/ATen/native/cpu/avx_mathfun.h` (`log256_ps`, `sincos256_ps`: Cephes
/// single-precision polynomials, via Julien Pommier's sse_mathfun), the functions torch's vector
/// `normal_` uses; not libm, so libm would change the last bits.
///
/// Each operation is one float rounding, as each vector instruction is, and every multiply that
/// GCC fuses into the following add when it compiles torch with FMA enabled (`-ffp-contract=fast`)
/// is a fused `addingProduct` here. Which ones fuse was established against torch 2.13 on
/// 690,000 normals (`Fixtures/prompts`); a wrong choice shows up as last-bit differences in a
/// fraction of a percent of values.
enum CephesFloat {
    /// Natural logarithm for x > 0 (`log256_ps`); NaN for x ≤ 0.
    static func log(_ input: Float) -> Float {
        if !(input > 0) { return .nan }
        // Cut off subnormals, split into exponent and a mantissa in [0.5, 1).
        let clamped = max(input, Float(bitPattern: 0x0080_0000))
        let bits = clamped.bitPattern
        var exponent = Float(Int32(bitPattern: bits >> 23) - 0x7F) + 1
        var x = Float(bitPattern: (bits & ~0x7F80_0000) | Float(0.5).bitPattern)
        // x < √½: e −= 1, x = x + x − 1; else x = x − 1 (computed as x − 1 + (x or 0)).
        let belowSqrtHalf = x < 0.707106781186547524
        let addend: Float = belowSqrtHalf ? x : 0
        x = x - 1
        if belowSqrtHalf { exponent = exponent - 1 }
        x = x + addend
        let z = x * x
        var y: Float = 7.0376836292e-2
        for coefficient: Float in [
            -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
            -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
        ] {
            y = coefficient.addingProduct(y, x)
        }
        y = y * x
        // y·z + e·q1: GCC fuses the y·z product, leaving e·q1 as a separate rounding.
        y = (exponent * -2.12194440e-4).addingProduct(y, z)
        y = y.addingProduct(-z, 0.5)
        return (x + y).addingProduct(exponent, 0.693359375)
    }

    /// Sine and cosine together (`sincos256_ps`), accurate for |x| < 8192.
    static func sinCos(_ input: Float) -> (sin: Float, cos: Float) {
        var x = abs(input)
        let signOfInput = input.bitPattern & 0x8000_0000
        // j = (trunc(x·4/π) + 1) & ~1: the octant, rounded up to even.
        var octant = Int32(x * 1.27323954473516)
        octant = (octant + 1) & ~1
        let y = Float(octant)
        let swapSine = UInt32(bitPattern: (octant & 4) << 29)
        let usesSinePolynomial = (octant & 2) == 0
        // Extended precision modular arithmetic: x = ((x − y·DP1) − y·DP2) − y·DP3.
        x = x.addingProduct(y, -0.78515625)
        x = x.addingProduct(y, -2.4187564849853515625e-4)
        x = x.addingProduct(y, -3.77489497744594108e-8)
        let signOfCosine = UInt32(bitPattern: (~(octant - 2) & 4) << 29)
        let signOfSine = signOfInput ^ swapSine
        let z = x * x
        var cosine: Float = 2.443315711809948e-5
        cosine = Float(-1.388731625493765e-3).addingProduct(cosine, z)
        cosine = Float(4.166664568298827e-2).addingProduct(cosine, z)
        cosine = cosine * z
        cosine = (-(z * 0.5)).addingProduct(cosine, z)
        cosine = cosine + 1
        var sine: Float = -1.9515295891e-4
        sine = Float(8.3321608736e-3).addingProduct(sine, z)
        sine = Float(-1.6666654611e-1).addingProduct(sine, z)
        sine = sine * z
        sine = x.addingProduct(sine, x)
        let sineValue = usesSinePolynomial ? sine : cosine
        let cosineValue = usesSinePolynomial ? cosine : sine
        return (
            Float(bitPattern: sineValue.bitPattern ^ signOfSine),
            Float(bitPattern: cosineValue.bitPattern ^ signOfCosine)
        )
    }
}

/// libm's double functions, which torch's element-wise `normal_distribution<double>` calls.
enum Math {
    static func log1p(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.log1p(x)
        #else
        Darwin.log1p(x)
        #endif
    }

    static func sin(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.sin(x)
        #else
        Darwin.sin(x)
        #endif
    }

    static func cos(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.cos(x)
        #else
        Darwin.cos(x)
        #endif
    }
}
