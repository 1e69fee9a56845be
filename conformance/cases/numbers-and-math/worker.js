export default {
  fetch() {
    return Response.json({
      toString: [(255).toString(16), (255).toString(2), (0.5).toString(3), (1e21).toString(), (123.456).toFixed(1), (0.000001234).toExponential(2), (1234.5678).toPrecision(6), (1.005).toFixed(2), (-1.5).toFixed(0)],
      parse: [parseInt("08"), parseInt("0x1F"), parseInt("z", 36), parseFloat("3.14abc"), Number(""), Number("  12  "), Number("1e3"), Number("0b101"), Number("12px")],
      special: [0.1 + 0.2, Number.EPSILON > 0, Number.MAX_SAFE_INTEGER, Number.isInteger(5.0), Number.isSafeInteger(2 ** 53), 1 / -0, Object.is(-0, 0)],
      math: [Math.max(), Math.min(1, "2"), Math.round(-0.5), Math.round(2.5), Math.sign(-3), Math.trunc(-4.7), Math.cbrt(27), Math.hypot(3, 4), Math.clz32(1), Math.fround(5.5), Math.log2(8), Math.imul(3, 4)],
      trig: [Math.sin(0), Math.cos(Math.PI), Math.atan2(1, 1), Math.exp(1), Math.pow(2, 0.5)],
      bigint: [String(BigInt("123456789012345678901234567890") * 2n), String(-7n / 2n), String(-7n % 2n), String(BigInt.asUintN(8, 257n)), typeof 1n, String(1n << 100n)],
      conversions: [String(123e-20), String(1 / 3), String(100), String(-1e-7), (25).toString(36)],
    });
  },
};
